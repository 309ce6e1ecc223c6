/**
 * Live migration of a running instance: the seam between the migration service (which checks
 * the target, locks the instance and runs the operation) and the HostAgent/driver work
 * (`runLiveMigration`: libvirt peer-to-peer migration over TLS from onebox's CA, block
 * migration for local disks, progress and cancel).
 */
import type { CloudInitSpec, GuestDisk, StoragePoolSpec } from '../cluster/agent-types.js';
import type { HostAgent } from '../cluster/host-agent.js';
import { AppError } from '../lib/errors.js';
import type { Instance } from './instances/store.js';
import { runLiveMigration } from './live-migration-run.js';

/** What a live migration is given. */
export interface LiveMigrationRequest {
  /** The instance row as stored (state running or paused, `hostId` still the source host). */
  instance: Instance;
  /** The instance's storage pool, its disks as the domain has them, and its cloud-init seed (if any). */
  pool: StoragePoolSpec;
  disks: GuestDisk[];
  seed?: CloudInitSpec;
  /** The agents of the source host (where it runs) and of the checked target host, with the address the source's hypervisor reaches it at. */
  source: { hostId: string; agent: HostAgent };
  target: { hostId: string; agent: HostAgent; address: string };
  /** Reports progress: `copied` of `total` (a share of the moved bytes), with an optional sentence. */
  progress(copied: number, total: number, message?: string): void;
  /** Aborted when the user cancels or onebox shuts down: the guest then keeps running on the source. */
  signal: AbortSignal;
}

/**
 * Moves the running instance to `target` and resolves once the guest runs there and no longer
 * on the source; the caller then records the new host. On any failure it rejects with an
 * AppError and the guest still runs on the source.
 */
export async function liveMigrate(req: LiveMigrationRequest): Promise<void> {
  const { instance } = req;
  // The copy is of each volume's own file: a snapshot chain would arrive without its lower layers.
  if (req.disks.some((d) => d.file !== undefined))
    throw new AppError('instance_has_snapshots', `Instance '${instance.name}' has snapshots; live migration moves disks without their snapshot chain. Delete its snapshots or migrate it stopped.`);
  await runLiveMigration({
    instanceId: instance.id, domainName: instance.domainName, pool: req.pool,
    disks: req.disks.map((d) => ({ volume: d.volume, target: d.target })), seed: req.seed,
    source: req.source.agent, target: req.target.agent, targetAddress: req.target.address,
    onProgress: (done, total) => req.progress(done, total, `Moving instance '${instance.name}' while it runs`),
    signal: req.signal,
  });
}
