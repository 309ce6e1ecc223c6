/**
 * Shapes of the API's JSON responses, for clients (the browser UI). Kept free of imports from
 * server code: they mirror the rows in src/db/schema.ts as the routes show them.
 */

import type { InstanceState } from './instance-states.js';

export type { InstanceState };

/** A logged-in user. */
export interface User {
  id: string;
  username: string;
  role: 'admin' | 'user';
  createdAt: string;
}

/** GET /session and POST /sessions. */
export interface SessionInfo {
  user: User;
  csrfToken: string;
  expiresAt?: string;
}

/** A compute pool. */
export interface Pool {
  id: string;
  name: string;
  cpuOvercommit: number;
  memoryOvercommit: number;
  createdAt: string;
}

/** A hypervisor host with its online state. */
export interface Host {
  id: string;
  name: string;
  address: string;
  poolId: string | null;
  enabled: boolean;
  accel: 'kvm' | 'tcg';
  accelReason: string;
  cpus: number;
  memoryMiB: number;
  libvirtVersion: string;
  hypervisorVersion: string;
  isLocal: boolean;
  lastSeenAt: string | null;
  createdAt: string;
  online: boolean;
  /** Size of the host's storage filesystem (only hosts that can measure it: the local one). */
  diskTotalBytes?: number;
  /** Free space on it, for unprivileged use. */
  diskFreeBytes?: number;
}

/** PATCH /hosts/:id body. */
export interface HostChange {
  poolId?: string | null;
  enabled?: boolean;
}

/** A disk image (template). */
export interface Image {
  id: string;
  name: string;
  description: string;
  os: string;
  format: 'qcow2' | 'raw';
  fileName: string;
  sizeBytes: number;
  virtualSizeBytes: number;
  sha256: string;
  createdAt: string;
}

/** An ISO medium. */
export interface Media {
  id: string;
  name: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
}

/** An instance as the API shows it (the VNC password has its own endpoint). */
export interface Instance {
  id: string;
  name: string;
  poolId: string;
  hostId: string;
  cores: number;
  memoryMiB: number;
  diskSizeBytes: number;
  /** Extra blank disks attached as vdb, vdc, ... */
  dataDisks: { sizeBytes: number }[];
  /** What cloud-init was given (never the password or the user-data themselves). */
  cloudInit: { passwordSet: boolean; sshAuthorizedKeys: string[]; userDataSet: boolean } | null;
  imageId: string | null;
  cloneMode: 'linked' | 'full' | 'blank';
  mediaId: string | null;
  state: InstanceState;
  stateReason: string;
  domainName: string;
  domainUuid: string;
  autostart: boolean;
  createdAt: string;
  updatedAt: string;
  /** Guest IPv4 address, once the network layer knows it. */
  address?: string | null;
}

/** A long-running task. */
export interface Operation {
  id: string;
  kind: string;
  targetType: string;
  targetId: string;
  state: 'running' | 'succeeded' | 'failed';
  progress: number;
  message: string;
  errorCode: string | null;
  errorDetail: string | null;
  userId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Body of a 202 Accepted answer. */
export interface Accepted {
  operation: Operation;
}

/** POST /instances answer. */
export interface InstanceCreated extends Accepted {
  instance: Instance;
}

/** GET /instances/:id/vnc */
export interface VncInfo {
  password: string;
}

/** Console kinds. */
export type ConsoleKind = 'vnc' | 'serial';

/** POST /instances/:id/console-tokens answer. */
export interface ConsoleToken {
  token: string;
  kind: ConsoleKind;
  expiresAt: string;
  /** Relative websocket path: `api/v1/console/ws?token=…`. */
  path: string;
  /** The VNC password (kind vnc only). */
  password?: string;
}

/** GET /instances/:id/stats: live usage of one instance. */
export interface InstanceStats {
  state: string;
  /** CPU use over the last interval, as a share of the instance's cores (0–100). */
  cpuPercent: number;
  memoryMiB: number;
  diskReadBytes: number;
  diskWriteBytes: number;
  netRxBytes: number;
  netTxBytes: number;
  sampledAt: string;
}

/** A list answer. */
export interface ItemList<T> {
  items: T[];
}

/** An RFC 9457 problem answer. */
export interface ProblemBody {
  type?: string;
  title?: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: { field: string; message: string }[];
}
