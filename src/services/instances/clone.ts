/**
 * Cloning a stopped instance without snapshots: a new instance on the same host and pool, its
 * row and NICs recorded in one transaction (new MACs and addresses from the same networks and
 * address pools, as create picks them), then, in an operation while the source is held, a full
 * copy of each disk (a linked clone keeps its image as backing file), a seed with the new
 * instance-id and hostname, and the definition. A failure leaves no clone behind.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { instances } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newId, newUuid, newVncPassword } from '../../lib/ids.js';
import { Reverter, RevertError } from '../../lib/reverter.js';
import type { CloneInstanceInput } from '../../shared/instance-clone.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import type { Operation, OperationsService } from '../operations.js';
import type { PoolsService } from '../pools.js';
import type { InstanceDiskJobs } from './disk-jobs.js';
import type { InstanceRuntime } from './runtime.js';
import { dataDisksOf } from './spec.js';
import type { Instance, InstanceStore } from './store.js';

/** What cloning needs. */
export interface CloneDeps {
  db: Db;
  store: InstanceStore;
  runtime: InstanceRuntime;
  pools: PoolsService;
  diskJobs: InstanceDiskJobs;
  operations: OperationsService;
  audit: AuditService;
}

/** The disk volumes of a row with the file each writes to now (system first). */
function diskFilesOf(row: Instance): { volume: 'system' | `data-${number}`; file: string }[] {
  const volumes: ('system' | `data-${number}`)[] = ['system', ...dataDisksOf(row).map((d) => `data-${d.slot}` as const)];
  return volumes.map((volume) => ({ volume, file: row.diskFiles[volume] ?? `${volume}.qcow2` }));
}

/** Clones instances. */
export class InstanceCloner {
  constructor(private readonly deps: CloneDeps) {}

  /** Records the clone (state `creating`) and copies the source's disks in an operation; 409 unless the source is stopped and has no snapshots. */
  async clone(idOrName: string, input: CloneInstanceInput, actor: Actor): Promise<{ instance: Instance; operation: Operation }> {
    return this.deps.diskJobs.holdStopped(idOrName, 'clone', 'being cloned', async (source, release) => {
      const clone = this.record(source, input.name, actor);
      this.deps.audit.record(actor, 'clone', 'instance', clone.id, `${clone.name} from ${source.name}`);
      const operation = this.deps.operations.start('instance.clone', { type: 'instance', id: clone.id }, actor, async (ctx) => {
        try {
          await this.build(source, clone, ctx.progress);
        } finally {
          release();
        }
      });
      return { instance: clone, operation };
    });
  }

  /** The clone's row and NICs, in one transaction: the name must be free in the pool; MACs and addresses are new. */
  private record(source: Instance, name: string, actor: Actor): Instance {
    const pool = this.deps.pools.get(source.poolId);
    const nics = this.deps.runtime.deps.nics.list(source.id);
    return this.deps.db.transaction((tx) => {
      if (tx.select({ id: instances.id }).from(instances).where(and(eq(instances.poolId, pool.id), eq(instances.name, name))).get())
        throw new AppError('instance_name_taken', `An instance named '${name}' already exists in pool '${pool.name}'.`);
      const id = newId('ins');
      const row = tx
        .insert(instances)
        .values({
          id, name, poolId: source.poolId, hostId: source.hostId, storagePoolId: source.storagePoolId, cores: source.cores, memoryMiB: source.memoryMiB,
          maxCores: source.maxCores, maxMemoryMiB: source.maxMemoryMiB, description: source.description, diskSizeBytes: source.diskSizeBytes,
          dataDisks: source.dataDisks, imageId: source.imageId, cloneMode: source.cloneMode, mediaId: source.mediaId, cloudInit: source.cloudInit,
          state: 'creating', domainName: `ob-${id}`, domainUuid: newUuid(), vncPassword: newVncPassword(), autostart: source.autostart,
          groupId: source.groupId, createdBy: actor.userId,
        })
        .returning()
        .get();
      this.deps.runtime.deps.nics.insertForNew(tx as unknown as Db, id, pool, nics.map((n) => ({ network: n.networkId })));
      return row;
    });
  }

  /** Copies the disks, writes the seed and defines the clone under a reverter; on failure the clone's row goes too. */
  private async build(source: Instance, clone: Instance, progress: (fraction: number, message?: string) => void): Promise<void> {
    const { runtime, store } = this.deps;
    const agent = runtime.agentFor(clone);
    const pool = runtime.poolOf(clone);
    try {
      await Reverter.run(async (reverter) => {
        progress(0, 'Copying the disks');
        await callAgent(clone.name, () => agent.volumes.cloneDisks(source.id, clone.id, pool, diskFilesOf(source), (f) => progress(f * 0.85, 'Copying the disks')));
        reverter.add('remove disks', () => agent.volumes.deleteInstance(clone.id, pool));
        await runtime.syncNetworks(clone.name, runtime.deps.nics.list(clone.id).map((n) => n.networkId));
        const seed = runtime.seedOf(clone);
        if (seed) {
          progress(0.9, 'Writing the cloud-init seed');
          await callAgent(clone.name, () => agent.seeds.write(clone.id, pool, seed));
        }
        progress(0.95, 'Defining the virtual machine');
        await runtime.define(agent, clone, { reverter });
        store.setState(clone.id, 'stopped');
      });
    } catch (err) {
      if (err instanceof RevertError) store.setState(clone.id, 'error', `Cloning failed and cleanup is incomplete: ${err.message}. Delete the instance to retry the cleanup.`, 'interrupted_create');
      else {
        const networkIds = runtime.deps.nics.list(clone.id).map((n) => n.networkId);
        store.delete(clone.id);
        await runtime.syncNetworks(clone.name, networkIds).catch(() => undefined);
      }
      throw err;
    }
  }
}
