/** Compute pools and storage pools: request schemas and response shapes. */
import * as z from 'zod';
import { instanceNameSchema } from './instances.js';

/** Pool names: like instance names (letters, digits, '-'). */
export const poolNameSchema = instanceNameSchema;

/** Create a compute pool. */
export const createPoolSchema = z
  .object({
    name: poolNameSchema,
    cpuOvercommit: z.number().int().min(1).max(32).default(4),
    memoryOvercommit: z.number().int().min(1).max(4).default(1),
    diskOvercommit: z.number().int().min(1).max(20).default(2),
    /** Hosts whose CPU is busier than this % take no new instances; 100 = no ceiling. */
    cpuLoadCeiling: z.number().int().min(1).max(100).default(100),
    /** The storage pool for its instances' disks (id or name); default: the `default` storage pool. */
    storagePool: z.string().min(1).optional(),
  })
  .strict();

/** Change a compute pool's scheduling settings (PATCH /pools/:id); they apply to new placements only. */
export const updatePoolSchema = z
  .object({
    cpuOvercommit: z.number().int().min(1).max(32),
    memoryOvercommit: z.number().int().min(1).max(4),
    diskOvercommit: z.number().int().min(1).max(20),
    cpuLoadCeiling: z.number().int().min(1).max(100),
  })
  .partial()
  .strict();

/** A compute pool. */
export interface Pool {
  id: string;
  name: string;
  cpuOvercommit: number;
  memoryOvercommit: number;
  /** Thin disks may promise this many times the storage's size. */
  diskOvercommit: number;
  /** Hosts whose CPU is busier than this % take no new instances (100 = no ceiling). */
  cpuLoadCeiling: number;
  /** Where its instances' disks live. */
  storagePoolId: string;
  /** The network new instances get a NIC on, and the address pool their addresses come from. */
  networkId: string | null;
  addressPoolId: string | null;
  createdAt: string;
  /**
   * The model of the pool's CPU baseline (what every host of it can give a guest, so instances may
   * live-migrate between them), recomputed when hosts join or leave; null while it has none (one
   * host: the accelerator's default CPU). New instances get it, existing ones at their next cold start.
   */
  cpuModel: string | null;
  /** The hosts whose CPUs the baseline covers. */
  cpuBaselineHosts: string[];
}

/** A host name (RFC 1123 labels) or a dotted IPv4 address. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a host name or an IPv4 address an NFS pool may name as its server. */
export function isNfsServer(value: string): boolean {
  // All-digit dotted names are meant as addresses: they must be valid IPv4.
  return /^[\d.]+$/.test(value) ? IPV4.test(value) : HOST_NAME.test(value);
}

const absolutePath = (what: string) =>
  z
    .string()
    .max(4096)
    .regex(/^\/[^\0]*$/, `The ${what} must be absolute (start with /).`)
    .refine((p) => !p.split('/').includes('..'), `The ${what} must not contain "..".`);

const nfsServerSchema = z.string().max(253).refine(isNfsServer, 'The server must be a host name or an IPv4 address.');
const exportPathSchema = absolutePath('export path').refine((p) => !/[\s?#]/.test(p), 'The export path must not contain spaces, "?" or "#".');
/** `mount -o` options: comma-separated `key` or `key=value` words. */
const mountOptionsSchema = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_.:=/-]+(,[A-Za-z0-9_.:=/-]+)*$/, 'Mount options are comma-separated words like "vers=4.1,hard" (letters, digits, _ . : = / -).');

/**
 * Create a storage pool: `local` (a directory that every host using it has; the default kind) or
 * `nfs` (an export each host of the compute pools using it mounts, or reaches through QEMU).
 */
export const createStoragePoolSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), name: poolNameSchema, path: absolutePath('path') }).strict(),
  z.object({ kind: z.literal('nfs'), name: poolNameSchema, server: nfsServerSchema, exportPath: exportPathSchema, mountOptions: mountOptionsSchema.optional() }).strict(),
]);

/** The request body before its kind is filled in (`local` when left out, as before NFS pools). */
export const createStoragePoolBodySchema = z.preprocess(
  (body) => (body && typeof body === 'object' && !Array.isArray(body) && !('kind' in body) ? { ...body, kind: 'local' } : body),
  createStoragePoolSchema,
);

/** Change an NFS pool's server, export or mount options (only while no disk lives there), or rename a pool. */
export const updateStoragePoolSchema = z
  .object({ name: poolNameSchema.optional(), server: nfsServerSchema.optional(), exportPath: exportPathSchema.optional(), mountOptions: mountOptionsSchema.nullable().optional() })
  .strict();

/** Attach a storage pool to a compute pool (id or name; null = back to the `default` storage pool). */
export const poolStorageSchema = z.object({ storagePool: z.string().min(1).nullable() }).strict();

/** How a host reaches a storage pool and whether it can write there (what its agent's probe answers). */
export interface StoragePoolProbe {
  /** `mounted`: usable (mounted by the kernel, or reachable through QEMU's NFS driver); `error`: see message. */
  state: 'mounted' | 'error';
  /** `dir`: a local directory; `mount`: a kernel NFS mount; `qemu`: QEMU's userspace NFS driver (nfs:// URLs). */
  mode: 'dir' | 'mount' | 'qemu';
  /** Why it is not usable; null when mounted. */
  message: string | null;
  /** Where it is (a directory or mount point, or the nfs:// URL of the export). */
  location: string | null;
  /** Mount options used (kernel mounts only). */
  mountOptions: string | null;
  /** Size and free space; null when unknown. */
  totalBytes: number | null;
  freeBytes: number | null;
}

/** How one host of the compute pools using a storage pool reached it when last asked. */
export interface StoragePoolHostState extends StoragePoolProbe {
  hostId: string;
  checkedAt: string;
}

/** A storage pool: where instance disks live. */
export interface StoragePool {
  id: string;
  name: string;
  kind: 'local' | 'nfs';
  /** Local pools: directory on every host; null = each host's own data directory. */
  path: string | null;
  /** NFS pools: server, export path and mount options. */
  server: string | null;
  exportPath: string | null;
  mountOptions: string | null;
  /** Compute pools whose instances' disks live here. */
  computePoolIds: string[];
  /** The last probe of each host of those compute pools (NFS pools; empty when none ran yet). */
  hosts: StoragePoolHostState[];
  createdAt: string;
}
