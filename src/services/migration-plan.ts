/**
 * The pure parts of moving an instance to another host: which host may take it (the scheduler's
 * filters, with the source host left out), and what a cold migration copies. Disks on a shared
 * (NFS) pool are re-attached, never copied; files of a local pool are copied one by one, each
 * qcow2's backing re-pointed on the target (an instance file stays the same name, a library image
 * becomes the target's cached copy, which the migration brings there first).
 */
import type { ArtifactRef, IncomingFile, InstanceFile, StoragePoolSpec } from '../cluster/agent-types.js';
import { AppError, NoHostFitsError } from '../lib/errors.js';
import type { MigrationTarget } from '../shared/migration.js';
import { placeInstance, refusalReasons, type HostCandidate, type Placement, type PlacementRequest } from './scheduler.js';

/** Where the instance may go: the given target (checked like a pinned placement) or the scheduler's best host other than the source. */
export function pickMigrationTarget(hosts: HostCandidate[], req: Omit<PlacementRequest, 'pinnedHostId'>, sourceHostId: string, targetHostId?: string): Placement {
  return placeInstance(
    hosts.filter((h) => h.id !== sourceHostId),
    { ...req, pinnedHostId: targetHostId },
  );
}

/**
 * Throws the refusal of a placement that found no host; `what` names the instance and its needs.
 * A named target that cannot take it is 409 migration_target_unfit with that host's reasons; no
 * host at all (the scheduler picked) is 507 no_host_available, host by host.
 */
export function assertPlaced(placement: Placement, what: string, poolName: string, targetName?: string): string {
  if (placement.hostId !== undefined) return placement.hostId;
  if (targetName) {
    const reasons = placement.hosts.flatMap((h) => h.reasons);
    throw new NoHostFitsError(`Host '${targetName}' cannot take ${what}: ${reasons.join('; ') || `it is not in pool '${poolName}'`}.`, placement.hosts, 'migration_target_unfit');
  }
  throw new NoHostFitsError(`No host can take ${what}: ${placement.reasons.join('; ') || `pool '${poolName}' has no other host`}.`, placement.hosts);
}

/** Every host of the pool as a target of the instance on `sourceHostId` (the source itself never fits), in the scheduler's terms. */
export function migrationTargets(hosts: HostCandidate[], req: Omit<PlacementRequest, 'pinnedHostId'>, sourceHostId: string): MigrationTarget[] {
  return hosts
    .filter((h) => h.poolId === req.poolId)
    .map((h) => {
      const reasons = h.id === sourceHostId ? ['its current host'] : refusalReasons(h, req);
      return { hostId: h.id, name: h.name, fits: reasons.length === 0, reasons };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What a cold migration copies and how the target finishes it. */
export interface CopyPlan {
  /** False on a shared pool: nothing is copied, the target re-attaches the same files. */
  copies: boolean;
  files: InstanceFile[];
  totalBytes: number;
  /** The library image some file sits on: brought to the target before the commit. */
  image?: ArtifactRef;
  commit: IncomingFile[];
}

/** True when every host of the pool reaches the same files (an NFS pool). */
export const isShared = (pool: StoragePoolSpec): boolean => pool.kind === 'nfs';

/**
 * The copy plan of an instance's files (as its source host lists them); `image` is the library
 * image it was created from, if any. Refuses a chain it cannot rebuild on the target: a file on
 * an image other than the instance's own, or on a file missing from the list.
 */
export function copyPlan(instanceName: string, pool: StoragePoolSpec, files: InstanceFile[], image: ArtifactRef | undefined): CopyPlan {
  if (isShared(pool)) return { copies: false, files: [], totalBytes: 0, commit: [] };
  const names = new Set(files.map((f) => f.file));
  if (!names.has('system.qcow2')) throw new AppError('migration_unsupported', `Instance '${instanceName}' has no system disk on its host; it cannot be migrated.`);
  let needsImage = false;
  const commit = files.map((f): IncomingFile => {
    if (!f.backing) return { file: f.file };
    if (f.backing.kind === 'file') {
      if (!names.has(f.backing.file)) throw new AppError('migration_unsupported', `Disk file '${f.file}' of instance '${instanceName}' sits on '${f.backing.file}', which is not among its files; it cannot be migrated.`);
      return { file: f.file, backing: f.backing };
    }
    if (!image || image.fileName !== f.backing.fileName)
      throw new AppError('migration_unsupported', `Disk file '${f.file}' of instance '${instanceName}' sits on '${f.backing.fileName}', which is not the image it was created from; it cannot be migrated.`);
    needsImage = true;
    return { file: f.file, backing: { kind: 'image', ref: image } };
  });
  return { copies: true, files, totalBytes: files.reduce((n, f) => n + f.sizeBytes, 0), commit, ...(needsImage && image ? { image } : {}) };
}
