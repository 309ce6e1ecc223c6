/**
 * Cloning an instance without snapshots: a new instance on the same host and pool, its row and
 * NICs recorded in one transaction after the same capacity check create makes (new MACs and
 * addresses from the same networks and address pools, as create picks them), then, in an
 * operation while the source is held, a copy of each disk (linked: an image under the system disk
 * stays its backing file; full: every copy stands alone), a seed with the new instance-id and
 * hostname, and the definition. A failure leaves no clone behind.
 *
 * A running (or paused) source keeps running: a temporary live snapshot freezes its files (the
 * guest writes to fresh overlays meanwhile), the clone is copied from the frozen files, and the
 * overlays are committed back into them (active block commit, then pivot), so the source ends on
 * the files it started on. Should the guest stop meanwhile, the overlay stays as its disk file
 * (recorded in the row, so the chain stays consistent) instead.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { hosts, instances } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newId, newUuid, newVncPassword } from '../../lib/ids.js';
import { log } from '../../lib/log.js';
import { Reverter, RevertError } from '../../lib/reverter.js';
import type { CloneInstanceInput } from '../../shared/instance-clone.js';
import { dataDiskTarget } from '../../shared/instance-states.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import { hostCandidates } from '../host-candidates.js';
import type { HostsService } from '../hosts.js';
import type { Operation, OperationsService } from '../operations.js';
import type { PoolsService } from '../pools.js';
import { placeInstance } from '../scheduler.js';
import type { StoragePoolsService } from '../storage-pools.js';
import type { InstanceRuntime } from './runtime.js';
import { hasSnapshots } from './snapshots.js';
import { dataDisksOf } from './spec.js';
import { STICKY_ERRORS, type Instance, type InstanceStore } from './store.js';

/** What cloning needs. */
export interface CloneDeps {
  db: Db;
  store: InstanceStore;
  runtime: InstanceRuntime;
  hosts: HostsService;
  pools: PoolsService;
  storagePools: StoragePoolsService;
  operations: OperationsService;
  audit: AuditService;
}

type Progress = (fraction: number, message?: string) => void;
type Volume = 'system' | `data-${number}`;
interface SourceDisk {
  volume: Volume;
  target: string;
  /** The file the disk writes to now. */
  file: string;
}

/** The disk volumes of a row with their guest device and the file each writes to now (system first). */
function diskFilesOf(row: Instance): SourceDisk[] {
  const volumes: { volume: Volume; target: string }[] = [{ volume: 'system', target: 'vda' }, ...dataDisksOf(row).map((d) => ({ volume: `data-${d.slot}` as const, target: dataDiskTarget(d.slot) }))];
  return volumes.map((v) => ({ ...v, file: row.diskFiles[v.volume] ?? `${v.volume}.qcow2` }));
}

const isLive = (row: Instance) => row.state === 'running' || row.state === 'paused';

/** Clones instances. */
export class InstanceCloner {
  constructor(private readonly deps: CloneDeps) {}

  /** Records the clone (state `creating`) and copies the source's disks in an operation; 409 unless the source is stopped, running or paused and has no snapshots; 507 when its host cannot take the clone. */
  async clone(idOrName: string, input: CloneInstanceInput, actor: Actor): Promise<{ instance: Instance; operation: Operation }> {
    const { store, operations } = this.deps;
    const id = store.get(idOrName).id;
    return store.withLock(id, async () => {
      const source = await this.sourceRow(id);
      const release = store.hold(source.id, 'being cloned');
      try {
        const clone = await this.record(source, input, actor);
        this.deps.audit.record(actor, 'clone', 'instance', clone.id, `${clone.name} from ${source.name}${isLive(source) ? ' (running)' : ''}, ${input.mode ?? 'linked'}`);
        const operation = operations.start('instance.clone', { type: 'instance', id: clone.id }, actor, async (ctx) => {
          try {
            await this.build(source, clone, input.mode === 'full', ctx.progress);
          } finally {
            release();
          }
        });
        return { instance: clone, operation };
      } catch (err) {
        release();
        throw err;
      }
    });
  }

  /** The source, refreshed from its host; 409 unless it is stopped, running or paused, without snapshots. */
  private async sourceRow(id: string): Promise<Instance> {
    const { store, runtime } = this.deps;
    const stored = store.get(id);
    if (stored.errorCode && STICKY_ERRORS.has(stored.errorCode)) throw new AppError('instance_needs_repair', `Cannot clone instance '${stored.name}': ${stored.stateReason}`);
    const row = await runtime.refreshState(stored);
    if (row.state !== 'stopped' && !isLive(row))
      throw new AppError('invalid_instance_state', `Cannot clone instance '${row.name}' while it is ${row.state} (only when stopped, running or paused).`);
    // The copy reads one file per disk: with snapshots the tree would be lost in the clone, and a live clone's temporary snapshot would join it.
    if (hasSnapshots(store.db, row.id)) throw new AppError('instance_has_snapshots', `Cannot clone instance '${row.name}' while it has snapshots; delete its snapshots first.`);
    return row;
  }

  /** The clone's row and NICs, in one transaction: the name must be free in the pool, the source's host must have room as for a create; MACs and addresses are new. */
  private async record(source: Instance, input: CloneInstanceInput, actor: Actor): Promise<Instance> {
    const { pools, storagePools, hosts: hostsService, db } = this.deps;
    const pool = pools.get(source.poolId);
    const storage = storagePools.specOf(source.storagePoolId);
    const nics = this.deps.runtime.deps.nics.list(source.id);
    const name = input.name;
    const diskBytes = source.diskSizeBytes + dataDisksOf(source).reduce((n, d) => n + d.sizeBytes, 0);
    await hostsService.refreshStorage([source.hostId], storage);
    return db.transaction((tx) => {
      if (tx.select({ id: instances.id }).from(instances).where(and(eq(instances.poolId, pool.id), eq(instances.name, name))).get())
        throw new AppError('instance_name_taken', `An instance named '${name}' already exists in pool '${pool.name}'.`);
      const placement = placeInstance(hostCandidates(tx as unknown as Db, hostsService, storage.id), {
        poolId: source.poolId, cores: source.cores, memoryMiB: source.memoryMiB, diskBytes, pinnedHostId: source.hostId,
        cpuOvercommit: pool.cpuOvercommit, memoryOvercommit: pool.memoryOvercommit, diskOvercommit: pool.diskOvercommit,
      });
      if (placement.hostId === undefined) {
        // A clone stays on its source's host: only that host's reason matters (the create path's wording, so its translations apply).
        const host = tx.select({ name: hosts.name }).from(hosts).where(eq(hosts.id, source.hostId)).get()?.name ?? source.hostId;
        const why = placement.reasons.filter((r) => r.startsWith(`${host}: `));
        throw new AppError('no_host_available', `No host in pool '${pool.name}' can take ${source.cores} cores and ${source.memoryMiB} MiB: ${why.join('; ') || `${host}: offline`}.`);
      }
      const id = newId('ins');
      const cloneMode = input.mode === 'full' && source.cloneMode === 'linked' ? 'full' : source.cloneMode;
      const row = tx
        .insert(instances)
        .values({
          id, name, poolId: source.poolId, hostId: source.hostId, storagePoolId: source.storagePoolId, cores: source.cores, memoryMiB: source.memoryMiB,
          maxCores: source.maxCores, maxMemoryMiB: source.maxMemoryMiB, description: source.description, diskSizeBytes: source.diskSizeBytes,
          dataDisks: source.dataDisks, imageId: source.imageId, cloneMode, mediaId: source.mediaId, cloudInit: source.cloudInit, qos: source.qos,
          state: 'creating', domainName: `ob-${id}`, domainUuid: newUuid(), vncPassword: newVncPassword(), autostart: source.autostart,
          groupId: source.groupId, createdBy: actor.userId,
        })
        .returning()
        .get();
      this.deps.runtime.deps.nics.insertForNew(tx as unknown as Db, id, pool, nics.map((n) => ({ network: n.networkId })));
      return row;
    });
  }

  /** Copies the disks (through a temporary snapshot when the source runs), writes the seed and defines the clone under a reverter; on failure the clone's row goes too. */
  private async build(source: Instance, clone: Instance, flatten: boolean, progress: Progress): Promise<void> {
    const { runtime, store } = this.deps;
    const agent = runtime.agentFor(clone);
    const pool = runtime.poolOf(clone);
    try {
      await Reverter.run(async (reverter) => {
        const copy = (disks: SourceDisk[], from: number, span: number) =>
          callAgent(clone.name, () => agent.volumes.cloneDisks(source.id, clone.id, pool, disks.map((d) => ({ volume: d.volume, file: d.file, flatten })), (f) => progress(from + f * span, 'Copying the disks')));
        if (isLive(source)) await this.copyLive(source, progress, (disks) => copy(disks, 0.05, 0.75));
        else {
          progress(0, 'Copying the disks');
          await copy(diskFilesOf(source), 0, 0.85);
        }
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

  /**
   * A running source: its disks switch to temporary overlays (a live snapshot, quiesced when the
   * agent answers), `copy` reads the frozen files, and each overlay is committed back into its
   * frozen file, whatever the copy's outcome. The row records the overlays meanwhile, so a restart
   * in between finds the instance on the files its domain uses.
   */
  private async copyLive(source: Instance, progress: Progress, copy: (disks: SourceDisk[]) => Promise<void>): Promise<void> {
    const { runtime, store } = this.deps;
    const agent = runtime.agentFor(source);
    const pool = runtime.poolOf(source);
    const stamp = newId('cln');
    const disks = diskFilesOf(source).map((d) => ({ ...d, overlay: `${d.volume}.${stamp}.qcow2` }));
    progress(0, 'Freezing the disks with a temporary snapshot');
    await callAgent(source.name, () => agent.domains.snapshotDisks(source.domainName, source.id, pool, disks.map((d) => ({ target: d.target, file: d.overlay }))));
    store.update(source.id, { diskFiles: { ...source.diskFiles, ...Object.fromEntries(disks.map((d) => [d.volume, d.overlay])) } });
    try {
      await copy(disks);
    } finally {
      const files: Record<string, string> = { ...source.diskFiles };
      for (const [i, d] of disks.entries()) {
        progress(0.8 + (i / disks.length) * 0.08, `Merging the temporary snapshot of ${d.target} back`);
        try {
          await callAgent(source.name, () => agent.domains.commitActive(source.domainName, source.id, pool, d.target, d.file));
          await agent.volumes.deleteFile(source.id, pool, d.overlay).catch((err: unknown) => log.warn('a merged temporary overlay could not be deleted', { instance: source.id, file: d.overlay, error: String(err) }));
        } catch (err) {
          // The guest stopped meanwhile (or the host refused): the overlay stays the disk's file, on top of the frozen one.
          log.warn('a temporary clone overlay stays in the disk chain', { instance: source.id, file: d.overlay, error: String(err) });
          files[d.volume] = d.overlay;
        }
      }
      const updated = store.update(source.id, { diskFiles: files });
      await runtime.define(agent, updated).catch((err: unknown) => log.warn('the source definition could not be rewritten after a clone', { instance: source.id, error: String(err) }));
    }
  }
}
