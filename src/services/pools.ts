/** Compute pools: groups of hosts that instances are created in. A `default` pool always exists. */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { getByIdOrName } from '../db/lookup.js';
import { addressPools, computePools, hosts, instanceNics, instances } from '../db/schema.js';
import { plural } from '../lib/english.js';
import { AppError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
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

  /** Creates a pool; names are unique. `storagePoolId` null = the default storage pool. */
  create(input: { name: string; cpuOvercommit: number; memoryOvercommit: number; diskOvercommit: number; cpuLoadCeiling?: number; storagePoolId: string | null }, actor: Actor): Pool {
    if (this.db.select({ id: computePools.id }).from(computePools).where(eq(computePools.name, input.name)).get())
      throw new AppError('pool_name_taken', `A pool named '${input.name}' already exists.`);
    const row = this.db.insert(computePools).values({ id: newId('pool'), ...input }).returning().get();
    this.audit.record(actor, 'create', 'compute_pool', row.id, row.name);
    return row;
  }

  /**
   * Sets the network new instances get a NIC on, and the address pool their addresses come from
   * (it must be on that network). The address pool cannot change while instances of the compute
   * pool hold addresses from the current one.
   */
  setNetwork(idOrName: string, change: { networkId: string | null; addressPoolId: string | null }, actor: Actor): Pool {
    const pool = this.get(idOrName);
    return this.db.transaction((tx) => {
      if (change.addressPoolId) {
        const ap = tx.select().from(addressPools).where(eq(addressPools.id, change.addressPoolId)).get();
        if (!ap || ap.networkId !== change.networkId)
          throw new AppError('validation_failed', 'The address pool must be one of the chosen network.', [{ field: 'addressPool', message: 'Not on this network.' }]);
      }
      if (pool.addressPoolId && pool.addressPoolId !== change.addressPoolId) {
        const held = tx
          .select({ n: sql<number>`count(*)` })
          .from(instanceNics)
          .innerJoin(instances, eq(instanceNics.instanceId, instances.id))
          .where(and(eq(instances.poolId, pool.id), eq(instanceNics.addressPoolId, pool.addressPoolId)))
          .get()?.n ?? 0;
        if (held > 0)
          throw new AppError('pool_addresses_allocated', `Instances of pool '${pool.name}' hold ${plural(held, 'address', 'addresses')} from its address pool; delete them (or their NICs) before changing it.`);
      }
      const row = tx.update(computePools).set(change).where(eq(computePools.id, pool.id)).returning().get();
      this.audit.record(actor, 'update', 'compute_pool', pool.id, JSON.stringify(change));
      return row;
    });
  }

  /** Changes the scheduling settings (overcommits, CPU load ceiling); instances already placed stay where they are. */
  update(idOrName: string, change: Partial<Pick<Pool, 'cpuOvercommit' | 'memoryOvercommit' | 'diskOvercommit' | 'cpuLoadCeiling'>>, actor: Actor): Pool {
    const pool = this.get(idOrName);
    if (Object.keys(change).length === 0) return pool;
    const row = this.db.update(computePools).set(change).where(eq(computePools.id, pool.id)).returning().get();
    this.audit.record(actor, 'update', 'compute_pool', pool.id, JSON.stringify(change));
    return row;
  }

  /**
   * Attaches a storage pool (null = the `default` one): the disks of instances created from then
   * on live there. Refused (storage_pool_in_use) while instances of the pool have disks in the
   * storage pool it uses now: they would be left on a storage pool the compute pool no longer names.
   */
  setStoragePool(idOrName: string, storagePoolId: string | null, actor: Actor): Pool {
    const pool = this.get(idOrName);
    if ((pool.storagePoolId ?? null) === storagePoolId) return pool;
    return this.db.transaction((tx) => {
      const current = pool.storagePoolId === null ? isNull(instances.storagePoolId) : eq(instances.storagePoolId, pool.storagePoolId);
      const held = tx.select({ n: sql<number>`count(*)` }).from(instances).where(and(eq(instances.poolId, pool.id), current)).get()?.n ?? 0;
      if (held > 0)
        throw new AppError('storage_pool_in_use', `Pool '${pool.name}' has ${plural(held, 'instance')} with disks in its current storage pool; delete them before changing its storage pool.`);
      const row = tx.update(computePools).set({ storagePoolId }).where(eq(computePools.id, pool.id)).returning().get();
      this.audit.record(actor, 'update', 'compute_pool', pool.id, JSON.stringify({ storagePoolId }));
      return row;
    });
  }

  /** Deletes a pool that has no hosts and no instances; `default` stays. */
  delete(idOrName: string, actor: Actor): void {
    const pool = this.get(idOrName);
    if (pool.name === 'default') throw new AppError('pool_is_default', 'The default pool cannot be deleted.');
    this.db.transaction((tx) => {
      const hostCount = tx.select({ n: sql<number>`count(*)` }).from(hosts).where(eq(hosts.poolId, pool.id)).get()?.n ?? 0;
      const instanceCount = tx.select({ n: sql<number>`count(*)` }).from(instances).where(eq(instances.poolId, pool.id)).get()?.n ?? 0;
      if (hostCount > 0 || instanceCount > 0)
        throw new AppError('pool_not_empty', `Pool '${pool.name}' still has ${plural(hostCount, 'host')} and ${plural(instanceCount, 'instance')}; move or delete them first.`);
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
    return getByIdOrName(this.db, computePools, 'compute_pool', idOrName);
  }
}
