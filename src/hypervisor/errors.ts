/** Errors raised by hypervisor drivers. Services translate them into AppErrors. */

/** Any failure reported by the hypervisor; carries libvirt's numeric error code when known. */
export class HypervisorError extends Error {
  override name = 'HypervisorError';
  constructor(
    message: string,
    /** libvirt virErrorNumber (e.g. 42 = VIR_ERR_NO_DOMAIN), or undefined for non-libvirt errors. */
    readonly libvirtCode?: number,
    /** libvirt virErrorDomain, when known. */
    readonly libvirtDomain?: number,
  ) {
    super(message);
  }
}

/** The named domain does not exist (VIR_ERR_NO_DOMAIN). */
export class DomainNotFoundError extends HypervisorError {
  override name = 'DomainNotFoundError';
  constructor(readonly domainName: string, libvirtCode = 42, libvirtDomain?: number) {
    super(`domain '${domainName}' does not exist`, libvirtCode, libvirtDomain);
  }
}

/** The operation does not fit the domain's state, e.g. starting a running domain (VIR_ERR_OPERATION_INVALID). */
export class DomainStateError extends HypervisorError {
  override name = 'DomainStateError';
}

/** The guest agent of a running domain does not answer (not installed, not started yet, or hung). */
export class GuestAgentUnavailableError extends HypervisorError {
  override name = 'GuestAgentUnavailableError';
}

/** The guest agent answered but the command failed inside the guest (e.g. setting the password of a user the guest does not have). */
export class GuestCommandFailedError extends HypervisorError {
  override name = 'GuestCommandFailedError';
}

/** The connection to the hypervisor is down or could not be opened. */
export class HypervisorUnavailableError extends HypervisorError {
  override name = 'HypervisorUnavailableError';
}

/**
 * libvirtd did not answer a call within its deadline (or no request slot freed up in time).
 * The call may still complete on the host; its late reply is dropped. Services map this to
 * 504/503 with the code `hypervisor_timeout`.
 */
export class HypervisorTimeoutError extends HypervisorError {
  override name = 'HypervisorTimeoutError';
  /** The stable code services report for this error. */
  readonly code = 'hypervisor_timeout';
  constructor(
    /** What was called, e.g. "DOMAIN_DESTROY of domain 'vm1'". */
    readonly call: string,
    /** The deadline that passed, in milliseconds. */
    readonly timeoutMs: number,
    /** True when the call never left the queue because every request slot stayed busy. */
    readonly queued = false,
  ) {
    super(
      queued
        ? `libvirtd did not take ${call} within ${timeoutMs} ms: every request slot of the connection stayed busy`
        : `libvirtd did not answer ${call} within ${timeoutMs} ms; it may still complete on the host`,
    );
  }
}

/**
 * A change of a domain's vCPUs or memory was refused by the hypervisor or the guest
 * (e.g. the guest did not release a vCPU, or the value exceeds the maximum fixed at boot);
 * the domain kept its previous values. Services answer 409 and suggest stopping it first.
 */
export class ResourceChangeRefusedError extends HypervisorError {
  override name = 'ResourceChangeRefusedError';
}

/**
 * Attaching, detaching or resizing a disk was refused by the hypervisor or the guest (e.g. the
 * guest did not release a hot-unplugged disk in time); the domain kept its disks as they were.
 * Services answer 409.
 */
export class DiskChangeRefusedError extends HypervisorError {
  override name = 'DiskChangeRefusedError';
}

/** A live migration failed; libvirt left the domain running on its source host. */
export class MigrationFailedError extends HypervisorError {
  override name = 'MigrationFailedError';
}

/** A live migration was cancelled (virDomainAbortJob); the domain runs on its source host. */
export class MigrationCancelledError extends HypervisorError {
  override name = 'MigrationCancelledError';
}
