/** Compute pools: groups of hosts that instances are created in. A `default` pool always exists. */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { byIdOrName } from '../db/lookup.js';
import { computePools } from '../db/schema.js';
import { NotFoundError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';

/** A pool row. */
export type Pool = typeof computePools.$inferSelect;

/** Compute pool catalogue. */
export class PoolsService {
  constructor(private readonly db: Db) {}

  /** Creates the `default` pool on first start; returns it. */
  ensureDefault(): Pool {
    const existing = this.db.select().from(computePools).where(eq(computePools.name, 'default')).get();
    return existing ?? this.db.insert(computePools).values({ id: newId('pool'), name: 'default' }).returning().get();
  }

  list(): Pool[] {
    return this.db.select().from(computePools).orderBy(computePools.name).all();
  }

  /** By id or name; throws compute_pool_not_found. */
  get(idOrName: string): Pool {
    const match = byIdOrName(computePools, idOrName);
    const row = this.db.select().from(computePools).where(match.where).orderBy(...match.order).get();
    if (!row) throw new NotFoundError('compute_pool', idOrName);
    return row;
  }
}
