/**
 * Statements prepared once per database handle. Preparing (and drizzle building the SQL) costs
 * far more than running a statement; hot queries (every request's token lookup, instance reads)
 * are built here once and reused with `sql.placeholder` values (measured in bench/api-get-rate.ts).
 */
import type { Db } from './client.js';

const byDb = new WeakMap<Db, Map<string, unknown>>();

/** The statement named `key` for `db`, built by `build` the first time it is asked for. */
export function preparedOnce<T>(db: Db, key: string, build: () => T): T {
  let statements = byDb.get(db);
  if (!statements) byDb.set(db, (statements = new Map()));
  let statement = statements.get(key) as T | undefined;
  if (statement === undefined) {
    statement = build();
    statements.set(key, statement);
  }
  return statement;
}
