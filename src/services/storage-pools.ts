/**
 * Storage pools: the database side of storage (Incus's upper tier). A pool row becomes the
 * plain StoragePoolSpec a host's storage driver works with; a `default` local pool (each
 * host's own data directory) always exists.
 */
import { preparedOnce } from '../db/prepared.js';
import { eq, or, sql } from 'drizzle-orm';
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

  /** A local pool in a directory that every host of the compute pools using it must have. */
  create(input: { name: string; path: string }, actor: Actor): StoragePool {
    if (this.db.select({ id: storagePools.id }).from(storagePools).where(or(eq(storagePools.name, input.name), eq(storagePools.path, input.path))).get())
      throw new AppError('storage_pool_taken', `A storage pool named '${input.name}' or in '${input.path}' already exists.`);
    const row = this.db.insert(storagePools).values({ id: newId('stp'), name: input.name, kind: 'local', path: input.path }).returning().get();
    this.audit.record(actor, 'create', 'storage_pool', row.id, row.name);
    return row;
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

  /** The spec hosts get for a pool id (null = the default pool). */
  specOf(id: string | null): StoragePoolSpec {
    const row = id === null ? this.ensureDefault() : this.get(id);
    return { id: row.id, kind: row.kind, path: row.path };
  }

  /** Specs of every pool (hosts report capacity for each). */
  specs(): StoragePoolSpec[] {
    return this.list().map((row) => ({ id: row.id, kind: row.kind, path: row.path }));
  }
}
