/** Translates hypervisor driver errors into AppErrors users can act on. */
import { AppError, ConflictError, UnavailableError } from '../lib/errors.js';
import { DomainNotFoundError, DomainStateError, HypervisorError, HypervisorUnavailableError } from '../hypervisor/errors.js';

/** Maps a driver error to an AppError; anything else is returned unchanged. */
export function toAppError(err: unknown, instanceName: string): unknown {
  if (err instanceof DomainNotFoundError)
    return new ConflictError('domain_missing', `The virtual machine of instance '${instanceName}' is missing on its host; delete the instance or recreate it.`);
  if (err instanceof DomainStateError)
    return new ConflictError('invalid_instance_state', `Instance '${instanceName}': ${err.message}`);
  if (err instanceof HypervisorUnavailableError)
    return new UnavailableError('hypervisor_unavailable', `The hypervisor is not reachable right now (${err.message}); try again shortly.`);
  if (err instanceof HypervisorError) return new AppError(502, 'hypervisor_error', `The hypervisor refused: ${err.message}`);
  return err;
}

/** Runs a hypervisor call and translates its errors. */
export async function callHypervisor<T>(instanceName: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toAppError(err, instanceName);
  }
}
