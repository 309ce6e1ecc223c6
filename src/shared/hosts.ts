/** Hosts: the change request and the response shape. */
import * as z from 'zod';

/** Change a host: its pool (null = no pool) and whether the scheduler may use it. */
export const updateHostSchema = z
  .object({ poolId: z.string().min(1).nullable().optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((v) => v.poolId !== undefined || v.enabled !== undefined, 'Give poolId and/or enabled.');

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
  /** The machine this onebox server runs on (for display only: it is driven like any other host). */
  isLocal: boolean;
  /** When the host last answered a heartbeat. */
  lastSeenAt: string | null;
  createdAt: string;
  online: boolean;
  /** Size of the storage the host's pool puts disks on, as the host last reported it (absent until it reports). */
  diskTotalBytes?: number;
  /** Free space on it, for unprivileged use. */
  diskFreeBytes?: number;
  /** Capacity of every storage pool as this host sees it. */
  storage: { poolId: string; totalBytes: number; freeBytes: number }[];
}

/** PATCH /hosts/:id body. */
export interface HostChange {
  poolId?: string | null;
  enabled?: boolean;
}
