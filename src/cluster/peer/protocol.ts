/**
 * The wire protocol between the controller and a peer's host agent: which HostAgent methods
 * are plain calls (JSON arguments in, NDJSON progress lines and one result or error line out),
 * and how typed errors survive the trip. Byte streams (consoles, artifact uploads, logs,
 * events) have their own routes; see server.ts. Plain HTTP today; mutual TLS comes with join.
 */
import { BridgeSetupError, type BridgeSetupCode } from '../../network/bridge-setup-errors.js';
import { AgentUnreachableError, ArtifactMissingError, SeedBuildError } from '../errors.js';
import {
  DiskChangeRefusedError,
  DomainNotFoundError,
  DomainStateError,
  GuestAgentUnavailableError,
  GuestCommandFailedError,
  HypervisorError,
  HypervisorTimeoutError,
  HypervisorUnavailableError,
  MigrationCancelledError,
  MigrationFailedError,
  ResourceChangeRefusedError,
} from '../../hypervisor/errors.js';
import { ExecError } from '../../lib/exec.js';
import type { StoragePoolSpec } from '../../storage/driver.js';
import {
  ChecksumMismatchError,
  FileMissingError,
  NoSpaceError,
  StorageError,
  TooLargeError,
  TransferInterruptedError,
  VolumeExistsError,
  VolumeNotFoundError,
} from '../../lib/storage-errors.js';

/** Every HostAgent method carried as a plain call, by group. */
export const CALLS = {
  host: ['facts', 'usage', 'baselineCpu'],
  domains: ['define', 'undefine', 'setAutostart', 'getAutostart', 'list', 'find', 'owner', 'start', 'shutdown', 'destroy', 'reboot', 'reset', 'suspend', 'resume', 'setResources', 'resources', 'attachDisk', 'detachDisk', 'blockResize', 'diskTargets', 'changeCdrom', 'stats', 'guestInterfaces', 'guestSystemInfo', 'setGuestPassword', 'shutdownByAgent', 'snapshotDisks', 'snapshotWithMemory', 'restoreMemory', 'settleMemorySnapshot', 'blockPull', 'blockCommit', 'commitActive', 'allStats', 'setQos', 'qos', 'migrateLive', 'abortMigration'],
  volumes: ['hasArtifact', 'removeArtifact', 'createInstanceDisks', 'deleteInstance', 'prepareHostFiles', 'deleteHostFiles', 'capacity', 'probePool', 'createDisk', 'resizeDisk', 'deleteDisk', 'inspectDisk', 'buildImage', 'discardBuild', 'resetSystemDisk', 'compactDisk', 'createOverlay', 'inspectFile', 'pullIntoFile', 'deleteFile', 'cloneDisks', 'listInstanceFiles', 'commitInstanceFiles', 'discardInstanceFiles'],
  seeds: ['write'],
  networks: ['ensure', 'setReservations', 'remove', 'state', 'leases', 'interfaces', 'bridgeSetup'],
} as const;

/** Calls whose last argument is a progress callback (sent back as `{"progress": f}` lines). */
export const WITH_PROGRESS = new Set(['domains.migrateLive', 'domains.snapshotWithMemory', 'volumes.createInstanceDisks', 'volumes.buildImage', 'volumes.compactDisk', 'volumes.cloneDisks']);

/** Header naming the instance file a migration sends or fetches: JSON {@link InstanceFileHeader}. */
export const INSTANCE_FILE_HEADER = 'x-onebox-instance-file';

/** Which file of which instance in which pool (the header's value). */
export interface InstanceFileHeader {
  instanceId: string;
  pool: StoragePoolSpec;
  file: string;
}

/** One NDJSON line of a call's answer. */
export type CallLine = { progress: number } | { result?: unknown } | { error: WireError };

/** An error as it travels. */
export interface WireError {
  name: string;
  message: string;
  /** Constructor inputs of the typed errors that have them. */
  fields?: Record<string, unknown>;
}

/** Encodes an error for the wire (keeping what its class needs to be rebuilt). */
export function encodeError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const fields: Record<string, unknown> = {};
  for (const key of ['domainName', 'libvirtCode', 'libvirtDomain', 'volume', 'limitBytes', 'receivedBytes', 'expected', 'actual', 'fileName', 'call', 'timeoutMs', 'queued', 'code']) {
    const value = (err as unknown as Record<string, unknown>)[key];
    if (value !== undefined) fields[key] = value;
  }
  return { name: err.name, message: err.message, fields };
}

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** How each known error class is rebuilt on the controller's side. */
const rebuild: Record<string, (e: WireError, f: Record<string, unknown>) => Error> = {
  DomainNotFoundError: (_e, f) => new DomainNotFoundError(str(f.domainName), num(f.libvirtCode), num(f.libvirtDomain)),
  DomainStateError: (e, f) => new DomainStateError(e.message, num(f.libvirtCode), num(f.libvirtDomain)),
  HypervisorUnavailableError: (e) => new HypervisorUnavailableError(e.message),
  GuestAgentUnavailableError: (e, f) => new GuestAgentUnavailableError(e.message, num(f.libvirtCode), num(f.libvirtDomain)),
  GuestCommandFailedError: (e, f) => new GuestCommandFailedError(e.message, num(f.libvirtCode), num(f.libvirtDomain)),
  HypervisorTimeoutError: (_e, f) => new HypervisorTimeoutError(str(f.call), num(f.timeoutMs) ?? 0, f.queued === true),
  ResourceChangeRefusedError: (e, f) => new ResourceChangeRefusedError(e.message, num(f.libvirtCode), num(f.libvirtDomain)),
  DiskChangeRefusedError: (e, f) => new DiskChangeRefusedError(e.message, num(f.libvirtCode), num(f.libvirtDomain)),
  MigrationFailedError: (e, f) => new MigrationFailedError(e.message, num(f.libvirtCode), num(f.libvirtDomain)),
  MigrationCancelledError: (e, f) => new MigrationCancelledError(e.message, num(f.libvirtCode), num(f.libvirtDomain)),
  HypervisorError: (e, f) => new HypervisorError(e.message, num(f.libvirtCode), num(f.libvirtDomain)),
  VolumeNotFoundError: (_e, f) => new VolumeNotFoundError(str(f.volume)),
  VolumeExistsError: (_e, f) => new VolumeExistsError(str(f.volume)),
  NoSpaceError: (e) => new NoSpaceError(e.message),
  TooLargeError: (_e, f) => new TooLargeError(num(f.limitBytes) ?? 0),
  TransferInterruptedError: (e, f) => Object.assign(new TransferInterruptedError(num(f.receivedBytes) ?? 0, ''), { message: e.message }),
  ChecksumMismatchError: (_e, f) => new ChecksumMismatchError(str(f.expected), str(f.actual)),
  FileMissingError: (e) => new FileMissingError(e.message),
  StorageError: (e) => new StorageError(e.message),
  ArtifactMissingError: (_e, f) => new ArtifactMissingError(str(f.fileName)),
  SeedBuildError: (e) => new SeedBuildError(e.message),
  AgentUnreachableError: (e) => new AgentUnreachableError(e.message),
  BridgeSetupError: (e, f) => new BridgeSetupError(str(f.code) as BridgeSetupCode, e.message),
  ExecError: (e) => Object.assign(new ExecError(['(on the host)'], null, '', 'failed'), { message: e.message }),
};

/** Rebuilds a typed error from the wire; unknown kinds become plain Errors with the message. */
export function decodeError(wire: WireError): Error {
  const make = rebuild[wire.name];
  return make ? make(wire, wire.fields ?? {}) : new Error(wire.message);
}
