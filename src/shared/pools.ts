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
}

/** Create a local storage pool: a directory that every host using it has. */
export const createStoragePoolSchema = z
  .object({
    name: poolNameSchema,
    path: z
      .string()
      .max(4096)
      .regex(/^\/[^\0]*$/, 'The path must be absolute (start with /).')
      .refine((p) => !p.split('/').includes('..'), 'The path must not contain "..".'),
  })
  .strict();

/** A storage pool: where instance disks live. */
export interface StoragePool {
  id: string;
  name: string;
  kind: 'local';
  /** Directory on every host; null = each host's own data directory. */
  path: string | null;
  createdAt: string;
}
