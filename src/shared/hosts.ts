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
  /** `online` while its agent answers its heartbeats, else `lost`. */
  state: 'online' | 'lost';
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

/** One network interface of a host (GET /hosts/:id/interfaces). */
export interface HostInterface {
  name: string;
  /** ethernet (an Ethernet link a bridge can take over: a NIC, bond, VLAN or veth), bridge, loopback or other (tun, wireguard…). */
  kind: 'ethernet' | 'bridge' | 'loopback' | 'other';
  mac: string | null;
  up: boolean;
  /** Addresses in CIDR form (10.0.0.5/24, fe80::1/64). */
  addresses: string[];
  /** The bridge this interface is a port of, if any. */
  master: string | null;
  /** True when a default route leaves through it. */
  defaultRoute: boolean;
}

/** POST /hosts/:id/bridge-setup: make a bridge take over a NIC (dry run unless `confirm`). */
export const bridgeSetupSchema = z
  .object({
    nic: z.string().regex(/^[A-Za-z0-9_.:@-]{1,15}$/, 'A NIC name has 1-15 letters, digits, ".", "_", ":", "@" or "-".'),
    bridge: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'A bridge name has 1-15 letters, digits, ".", "_" or "-".').default('br0'),
    /** Without it nothing changes: the answer only lists the steps. */
    confirm: z.boolean().default(false),
  })
  .strict();

/** The answer of POST /hosts/:id/bridge-setup. */
export interface BridgeSetupResult {
  applied: boolean;
  bridge: string;
  /** What it does (dry run) or did, one sentence per line. */
  plan: string[];
}
