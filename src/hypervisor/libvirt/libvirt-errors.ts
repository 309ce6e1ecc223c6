/**
 * Maps libvirt's wire error (remote_error) to the hypervisor layer's typed errors, keeping
 * libvirt's numeric code and domain.
 */
import { DomainNotFoundError, DomainStateError, HypervisorError } from '../errors.js';
import type { RemoteError } from './protocol.generated.js';

/** virErrorNumber values onebox reacts to. */
export const VirErrorNumber = {
  VIR_ERR_INTERNAL_ERROR: 1,
  VIR_ERR_NO_SUPPORT: 3,
  VIR_ERR_INVALID_ARG: 8,
  VIR_ERR_NO_DOMAIN: 42,
  VIR_ERR_OPERATION_INVALID: 55,
  VIR_ERR_OPERATION_TIMEOUT: 68,
  VIR_ERR_AUTH_FAILED: 45,
  VIR_ERR_NO_DOMAIN_METADATA: 80,
  VIR_ERR_NO_NETWORK: 43,
} as const;

/** The libvirt message of a remote error, or a fallback sentence naming its code. */
export function remoteErrorMessage(e: RemoteError): string {
  return e.message ?? `libvirt reported error code ${e.code} (domain ${e.domain}) without a message`;
}

/**
 * Converts a decoded remote_error into a HypervisorError subclass.
 * `domainName` names the domain the call was about, when there is one.
 */
export function toHypervisorError(e: RemoteError, domainName?: string): HypervisorError {
  const message = remoteErrorMessage(e);
  if (e.code === VirErrorNumber.VIR_ERR_NO_DOMAIN) {
    const name = domainName ?? /'([^']*)'/.exec(message)?.[1] ?? '(unnamed)';
    return new DomainNotFoundError(name, e.code, e.domain);
  }
  if (e.code === VirErrorNumber.VIR_ERR_OPERATION_INVALID) return new DomainStateError(message, e.code, e.domain);
  return new HypervisorError(message, e.code, e.domain);
}
