/**
 * The body of a live migration between two hosts of a pool, under `liveMigrate` (which checks
 * the request and runs this as an operation): on local storage the target gets empty disk files
 * of the right sizes (and the cloud-init seed) first, then the source host's hypervisor sends
 * the running guest peer-to-peer (memory, plus the local disks by block migration); on shared
 * storage only memory moves (no block copy: the target opens the same files). Every failure and a cancel leave the guest running on the source
 * and remove what was made on the target; success removes the guest's files from the source.
 */
import type { CloudInitSpec, DiskVolume, StoragePoolSpec } from '../cluster/agent-types.js';
import type { HostAgent } from '../cluster/host-agent.js';
import { MigrationCancelledError, MigrationFailedError } from '../hypervisor/errors.js';
import type { MigrationResult } from '../hypervisor/types.js';
import { AppError } from '../lib/errors.js';
import { VolumeNotFoundError } from '../lib/storage-errors.js';

/** Everything one live migration needs; the caller has it from the instance's rows and the hosts'. */
export interface LiveMigrationRun {
  /** The instance's id (its files are named by it) and its domain name on both hosts. */
  instanceId: string;
  domainName: string;
  /** The instance's storage pool: the same spec on both hosts. */
  pool: StoragePoolSpec;
  /** The instance's disks (volume and guest target, vda …). They must have no snapshot overlays: the copy is of each volume's own file. */
  disks: { volume: DiskVolume; target: string }[];
  /** The instance's cloud-init seed, written on the target before the guest moves (its CD-ROM must exist there). */
  seed?: CloudInitSpec;
  /** The hosts' agents. */
  source: HostAgent;
  target: HostAgent;
  /** The target host's address as the source host's hypervisor reaches it (hosts.address). */
  targetAddress: string;
  /** Called with the share of bytes moved so far, as `done` out of `total` (percent: total is 100), never going back. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting it cancels the migration (the guest stays on the source). */
  signal?: AbortSignal;
}

/** Runs the migration (see the module comment); `live_migration_failed` / `live_migration_cancelled` / `migration_target_not_empty` otherwise. */
export async function runLiveMigration(run: LiveMigrationRun): Promise<MigrationResult> {
  const { instanceId, domainName, pool, source, target } = run;
  const shared = pool.kind !== 'local';
  const facts = await target.host.facts([]);
  if (facts.dataDir === undefined) throw new AppError('live_migration_failed', 'The target host does not say where its data directory is; update its onebox.');
  const made: DiskVolume[] = [];
  let madeHostFiles = false;
  const cleanTarget = async () => {
    for (const volume of made) await target.volumes.deleteDisk(instanceId, pool, volume).catch(() => undefined);
    if (madeHostFiles) await target.volumes.deleteHostFiles(instanceId).catch(() => undefined);
  };
  let lastPercent = -1;
  const onProgress = (fraction: number) => {
    const percent = Math.max(lastPercent, Math.min(100, Math.floor(fraction * 100)));
    if (percent === lastPercent) return;
    lastPercent = percent;
    run.onProgress?.(percent, 100);
  };
  const cancel = () => void source.domains.abortMigration(domainName).catch(() => undefined);
  try {
    if (!shared) {
      for (const disk of run.disks) {
        const info = await source.volumes.inspectDisk(instanceId, pool, disk.volume);
        if (await exists(target, instanceId, pool, disk.volume)) {
          throw new AppError('migration_target_not_empty', `The target host already has a disk '${disk.volume}' of this instance; remove it there first.`);
        }
        await target.volumes.createDisk(instanceId, pool, disk.volume, info.virtualSizeBytes);
        made.push(disk.volume);
      }
      if (run.seed) await target.seeds.write(instanceId, pool, run.seed);
    }
    // The guest's console log on the target goes to the target's own instance directory (not made by a shared or non-default pool).
    await target.volumes.prepareHostFiles(instanceId);
    madeHostFiles = true;
    if (run.signal?.aborted) throw new MigrationCancelledError('cancelled before it started');
    run.signal?.addEventListener('abort', cancel, { once: true });
    const result = await source.domains.migrateLive(domainName, { address: run.targetAddress, dataDir: facts.dataDir, copyDisks: shared ? [] : run.disks.map((d) => d.target) }, onProgress);
    // The guest runs on the target now; its files on the source are leftovers. On shared storage its
    // disks are the guest's own (kept): only the source host's console log goes.
    if (shared) await source.volumes.deleteHostFiles(instanceId).catch(() => undefined);
    else await source.volumes.deleteInstance(instanceId, pool).catch(() => undefined);
    return result;
  } catch (err) {
    await cleanTarget();
    if (err instanceof MigrationCancelledError) throw new AppError('live_migration_cancelled', 'The live migration was cancelled; the instance keeps running on its host.');
    if (err instanceof MigrationFailedError) throw new AppError('live_migration_failed', `The live migration failed and the instance keeps running on its host: ${err.message}`);
    throw err;
  } finally {
    run.signal?.removeEventListener('abort', cancel);
  }
}

async function exists(agent: HostAgent, instanceId: string, pool: StoragePoolSpec, volume: DiskVolume): Promise<boolean> {
  try {
    await agent.volumes.inspectDisk(instanceId, pool, volume);
    return true;
  } catch (err) {
    if (err instanceof VolumeNotFoundError) return false;
    throw err;
  }
}
