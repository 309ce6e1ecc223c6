/**
 * A cheap "did anything change?" stamp for in-memory caches of rows. onebox is the only writer
 * of its database (the data directory's lock keeps a second server out) and writes through one
 * connection, so SQLite's `total_changes()` of that connection grows with every insert, update
 * and delete anywhere, including those of tests and of code that forgot to tell a cache. A cache
 * that keeps the stamp it was filled at and empties itself when the stamp moves cannot serve a
 * row that was revoked, disabled or changed, whoever changed it. Reading it costs about a
 * microsecond: no table, no read transaction.
 */
import type { Db } from './client.js';
import { preparedOnce } from './prepared.js';

/** Rows changed through this database handle since it was opened (grows with every write). */
export function changeCount(db: Db): number {
  return preparedOnce(db, 'db.total_changes', () => db.$client.prepare('select total_changes()').pluck()).get() as number;
}
