/**
 * Storage pools: the database side of storage (Incus's upper tier). A pool row becomes the
 * plain StoragePoolSpec a host's storage driver works with; a `default` local pool (each
 * host's own data directory) always exists. NFS pools name a server and an export that the
 * hosts of the compute pools attached to them mount (or reach through QEMU's NFS driver).
 */
import { preparedOnce } from '../db/prepared.js';
import { and, eq, isNotNull, or, sql } from 'drizzle-orm';
import type { StoragePoolSpec } from '../cluster/agent-types.js';
import type { Db } from '../db/client.js';
import { getByIdOrName } from '../db/lookup.js';
import { computePools, instances, storagePools } from '../db/schema.js';
import { AppError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';

/** A storage pool row. */
export type StoragePool = typeof storagePools.$inferSelect;

/** Storage pool catalogue. */
export class StoragePoolsService {
  /** The default pool's row, once read or made. */
  private defaultRow: StoragePool | undefined;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  /** Creates the `default` pool (each host's data directory) on first start; returns it. */
  ensureDefault(): StoragePool {
    // Presenting an instance, host or pool names the default pool on every request. Its row never
    // changes once it exists (it cannot be deleted and pools have no update), so it is read once.
    this.defaultRow ??=
      preparedOnce(this.db, 'storagePools.default', () => this.db.select().from(storagePools).where(eq(storagePools.name, 'default')).prepare()).get() ??
      this.db.insert(storagePools).values({ id: newId('stp'), name: 'default', kind: 'local', path: null }).returning().get();
    return this.defaultRow;
  }

  list(): StoragePool[] {
    return this.db.select().from(storagePools).orderBy(storagePools.name).all();
  }

  /** By id or name; throws storage_pool_not_found. */
  get(idOrName: string): StoragePool {
    return getByIdOrName(this.db, storagePools, 'storage_pool', idOrName);
  }

  /** A local pool in a directory that every host of the compute pools using it must have, or an NFS pool. */
  create(input: { name: string; kind: 'local'; path: string } | { name: string; kind: 'nfs'; server: string; exportPath: string; mountOptions?: string }, actor: Actor): StoragePool {
    if (input.kind === 'nfs') {
      this.assertFree(input.name, input.server, input.exportPath);
      const values = { id: newId('stp'), name: input.name, kind: 'nfs' as const, path: null, server: input.server, exportPath: input.exportPath, mountOptions: input.mountOptions ?? null };
      const row = this.db.insert(storagePools).values(values).returning().get();
      this.audit.record(actor, 'create', 'storage_pool', row.id, row.name);
      return row;
    }
    if (this.db.select({ id: storagePools.id }).from(storagePools).where(or(eq(storagePools.name, input.name), eq(storagePools.path, input.path))).get())
      throw new AppError('storage_pool_taken', `A storage pool named '${input.name}' or in '${input.path}' already exists.`);
    const row = this.db.insert(storagePools).values({ id: newId('stp'), name: input.name, kind: 'local', path: input.path }).returning().get();
    this.audit.record(actor, 'create', 'storage_pool', row.id, row.name);
    return row;
  }

  /**
   * Renames a pool, or changes an NFS pool's server, export or mount options. Where its disks
   * live can change only while none lives there (they would be left behind).
   */
  update(idOrName: string, change: { name?: string; server?: string; exportPath?: string; mountOptions?: string | null }, actor: Actor): StoragePool {
    const pool = this.get(idOrName);
    const moves = change.server !== undefined || change.exportPath !== undefined || change.mountOptions !== undefined;
    if (moves && pool.kind !== 'nfs') throw new AppError('validation_failed', `Storage pool '${pool.name}' is not an NFS pool: only its name can change.`, [{ field: 'server', message: 'Only NFS pools have a server, export and mount options.' }]);
    if (pool.name === 'default' && change.name !== undefined && change.name !== 'default') throw new AppError('storage_pool_is_default', 'The default storage pool cannot be renamed.');
    return this.db.transaction((tx) => {
      if (moves) {
        const users = tx.select({ n: sql<number>`count(*)` }).from(instances).where(eq(instances.storagePoolId, pool.id)).get()?.n ?? 0;
        if (users > 0) throw new AppError('storage_pool_in_use', `Storage pool '${pool.name}' holds the disks of ${users} instance(s): its server and export cannot change.`);
      }
      const server = change.server ?? pool.server;
      const exportPath = change.exportPath ?? pool.exportPath;
      if (change.name !== undefined || (pool.kind === 'nfs' && moves)) this.assertFree(change.name ?? pool.name, server, exportPath, pool.id);
      const row = tx.update(storagePools).set(change).where(eq(storagePools.id, pool.id)).returning().get();
      if (pool.name === 'default') this.defaultRow = row;
      this.audit.record(actor, 'update', 'storage_pool', pool.id, JSON.stringify(change));
      return row;
    });
  }

  /** Throws storage_pool_taken when another pool has the name or the same NFS export. */
  private assertFree(name: string, server: string | null, exportPath: string | null, except?: string): void {
    const sameExport = server !== null && exportPath !== null ? and(eq(storagePools.server, server), eq(storagePools.exportPath, exportPath), isNotNull(storagePools.server)) : undefined;
    const other = this.db.select({ id: storagePools.id, name: storagePools.name }).from(storagePools).where(or(eq(storagePools.name, name), sameExport)).all().find((r) => r.id !== except);
    if (other) throw new AppError('storage_pool_taken', `A storage pool named '${name}'${server ? ` or on ${server}:${exportPath}` : ''} already exists ('${other.name}').`);
  }

  /** Deletes a pool no compute pool and no instance uses; `default` stays. */
  delete(idOrName: string, actor: Actor): void {
    const pool = this.get(idOrName);
    if (pool.name === 'default') throw new AppError('storage_pool_is_default', 'The default storage pool cannot be deleted.');
    this.db.transaction((tx) => {
      const n = (table: typeof computePools | typeof instances) =>
        tx.select({ n: sql<number>`count(*)` }).from(table).where(eq(table.storagePoolId, pool.id)).get()?.n ?? 0;
      const [pools, users] = [n(computePools), n(instances)];
      if (pools > 0 || users > 0)
        throw new AppError('storage_pool_in_use', `Storage pool '${pool.name}' is used by ${pools} compute pool(s) and ${users} instance(s).`);
      tx.delete(storagePools).where(eq(storagePools.id, pool.id)).run();
    });
    this.audit.record(actor, 'delete', 'storage_pool', pool.id, pool.name);
  }

  /** Ids of the compute pools whose instances' disks go to `poolId` (the default pool: those with none set). */
  computePoolsOf(poolId: string): string[] {
    const isDefault = poolId === this.ensureDefault().id;
    const rows = this.db.select({ id: computePools.id, storagePoolId: computePools.storagePoolId }).from(computePools).all();
    return rows.filter((r) => r.storagePoolId === poolId || (isDefault && r.storagePoolId === null)).map((r) => r.id);
  }

  /** The spec hosts get for a pool id (null = the default pool). */
  specOf(id: string | null): StoragePoolSpec {
    return toSpec(id === null ? this.ensureDefault() : this.get(id));
  }

  /** Specs of every pool (hosts report capacity for each). */
  specs(): StoragePoolSpec[] {
    return this.list().map(toSpec);
  }
}

/** The plain spec of a pool row that a host's storage driver works with. */
export function toSpec(row: StoragePool): StoragePoolSpec {
  if (row.kind === 'nfs') return { id: row.id, kind: 'nfs', server: row.server ?? '', exportPath: row.exportPath ?? '/', mountOptions: row.mountOptions };
  return { id: row.id, kind: 'local', path: row.path };
}
