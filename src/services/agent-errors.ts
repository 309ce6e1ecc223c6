/**
 * Translates what a host agent throws (hypervisor, storage and agent errors) into AppErrors
 * users can act on, naming the instance. Internal details (paths, stderr) go to the log,
 * never into the sentence (they may name the data directory).
 */
import { AgentUnreachableError, ArtifactMissingError, SeedBuildError } from '../cluster/errors.js';
import { DiskChangeRefusedError, DomainNotFoundError, DomainStateError, HypervisorError, HypervisorTimeoutError, HypervisorUnavailableError, ResourceChangeRefusedError } from '../hypervisor/errors.js';
import { AppError } from '../lib/errors.js';
import { ExecError } from '../lib/exec.js';
import { log } from '../lib/log.js';
import { ChecksumMismatchError, NoSpaceError, StorageError, TransferInterruptedError } from '../lib/storage-errors.js';

/** Maps an agent or driver error to an AppError; anything else is returned unchanged. */
export function toAppError(err: unknown, instanceName: string): unknown {
  if (err instanceof AppError) return err;
  if (err instanceof DomainNotFoundError)
    return new AppError('domain_missing', `The virtual machine of instance '${instanceName}' is missing on its host; delete the instance or recreate it.`);
  if (err instanceof DomainStateError) return new AppError('invalid_instance_state', `Instance '${instanceName}': ${err.message}`);
  if (err instanceof HypervisorUnavailableError || err instanceof AgentUnreachableError)
    return new AppError('hypervisor_unavailable', `The host of instance '${instanceName}' is not reachable right now; try again shortly.`);
  if (err instanceof HypervisorTimeoutError)
    return logged(err, new AppError('hypervisor_timeout', `The hypervisor of instance '${instanceName}' did not answer in time; the host may be overloaded or its storage stuck. Try again later.`));
  if (err instanceof ResourceChangeRefusedError)
    return new AppError('resource_change_refused', `Instance '${instanceName}' could not change its vCPUs or memory while running (${err.message}); stop it and change it then.`);
  if (err instanceof DiskChangeRefusedError)
    return new AppError('disk_change_refused', `The disks of instance '${instanceName}' could not be changed (${err.message}); nothing was removed. If the guest holds the disk, unmount it, or stop the instance and try again.`);
  if (err instanceof HypervisorError) return new AppError('hypervisor_error', `The hypervisor refused for instance '${instanceName}': ${err.message}`);
  if (err instanceof NoSpaceError) return new AppError('insufficient_storage', `The host of instance '${instanceName}' ran out of disk space.`);
  if (err instanceof SeedBuildError)
    return new AppError('seed_build_failed', `The cloud-init seed ISO of '${instanceName}' could not be built; is genisoimage installed? \`onebox doctor\` checks.`);
  if (err instanceof ChecksumMismatchError || err instanceof TransferInterruptedError || err instanceof ArtifactMissingError)
    return logged(err, new AppError('transfer_failed', `Copying a file to the host of instance '${instanceName}' failed; try again.`));
  if (err instanceof ExecError || err instanceof StorageError)
    return logged(err, new AppError('storage_error', `A disk operation for instance '${instanceName}' failed on its host; the server log has the details.`));
  return err;
}

function logged(cause: unknown, err: AppError): AppError {
  log.error('host agent error', { code: err.code, error: cause instanceof Error ? cause.message : String(cause) });
  return err;
}

/** Runs an agent call and translates its errors. */
export async function callAgent<T>(instanceName: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toAppError(err, instanceName);
  }
}
