/** Compute pools: groups of hosts that instances are created in. A `default` pool always exists. */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { byIdOrName } from '../db/lookup.js';
import { computePools, hosts, instances } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { plural } from '../lib/plural.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';

/** A pool row. */
export type Pool = typeof computePools.$inferSelect;

/** Compute pool catalogue. */
export class PoolsService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  /** Creates a pool; names are unique. */
  create(input: { name: string; cpuOvercommit: number; memoryOvercommit: number }, actor: Actor): Pool {
    if (this.db.select({ id: computePools.id }).from(computePools).where(eq(computePools.name, input.name)).get())
      throw new ConflictError('pool_name_taken', `A pool named '${input.name}' already exists.`);
    const row = this.db.insert(computePools).values({ id: newId('pool'), ...input }).returning().get();
    this.audit.record(actor, 'create', 'compute_pool', row.id, row.name);
    return row;
  }

  /** Deletes a pool that has no hosts and no instances; `default` stays. */
  delete(idOrName: string, actor: Actor): void {
    const pool = this.get(idOrName);
    if (pool.name === 'default') throw new ConflictError('pool_is_default', 'The default pool cannot be deleted.');
    this.db.transaction((tx) => {
      const hostCount = tx.select({ n: sql<number>`count(*)` }).from(hosts).where(eq(hosts.poolId, pool.id)).get()!.n;
      const instanceCount = tx.select({ n: sql<number>`count(*)` }).from(instances).where(eq(instances.poolId, pool.id)).get()!.n;
      if (hostCount > 0 || instanceCount > 0)
        throw new ConflictError('pool_not_empty', `Pool '${pool.name}' still has ${plural(hostCount, 'host', 'hosts')} and ${plural(instanceCount, 'instance', 'instances')}; move or delete them first.`);
      tx.delete(computePools).where(eq(computePools.id, pool.id)).run();
    });
    this.audit.record(actor, 'delete', 'compute_pool', pool.id, pool.name);
  }

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
