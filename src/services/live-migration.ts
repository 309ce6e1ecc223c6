/**
 * Live migration of a running instance: the seam between the migration service (which checks
 * the target, locks the instance and runs the operation) and the HostAgent/driver work (libvirt
 * peer-to-peer migration, block migration for local disks, progress and cancel). Until that
 * work lands here, every live migration is refused with 409 live_migration_unavailable.
 */
import type { HostAgent } from '../cluster/host-agent.js';
import { AppError } from '../lib/errors.js';
import type { Instance } from './instances/store.js';

/** What a live migration is given. */
export interface LiveMigrationRequest {
  /** The instance row as stored (state running or paused, `hostId` still the source host). */
  instance: Instance;
  /** The agents of the source host (where it runs) and of the checked target host. */
  source: { hostId: string; agent: HostAgent };
  target: { hostId: string; agent: HostAgent };
  /** Reports progress: bytes copied so far of `totalBytes` (memory and, for local disks, their blocks), with an optional sentence. */
  progress(copiedBytes: number, totalBytes: number, message?: string): void;
  /** Aborted when the user cancels or onebox shuts down: the guest must then keep running on the source. */
  signal: AbortSignal;
}

/**
 * Moves the running instance to `target` and resolves once the guest runs there and no longer
 * on the source; the caller then records the new host. On any failure it rejects with an
 * AppError and the guest still runs on the source, untouched.
 */
export async function liveMigrate(req: LiveMigrationRequest): Promise<void> {
  throw new AppError('live_migration_unavailable', `Instance '${req.instance.name}' cannot be moved while running: live migration is not available in this version of onebox; stop it and migrate it stopped.`);
}
