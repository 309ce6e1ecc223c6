/** An instance's disks after create: the list, adding a blank data disk, growing a disk. */
import * as z from 'zod';

/** At most this many data disks per instance (as at create). */
export const MAX_DATA_DISKS = 8;

/** A disk size in GiB, as at create. */
const sizeGiBSchema = z.number().int('The size is a whole number of GiB.').min(1, 'The size must be at least 1 GiB.').max(64 * 1024, 'The size must be at most 65536 GiB.');

/** POST /instances/:id/disks: a new blank data disk. */
export const addDiskSchema = z.object({ sizeGiB: sizeGiBSchema }).strict();
export type AddDiskInput = z.infer<typeof addDiskSchema>;

/** PATCH /instances/:id/disks/:diskId: the new, larger size. */
export const growDiskSchema = z.object({ sizeGiB: sizeGiBSchema }).strict();
export type GrowDiskInput = z.infer<typeof growDiskSchema>;

/** One disk of an instance as the API shows it. */
export interface InstanceDisk {
  /** `system` or `data-<n>`; stable while the disk exists. */
  id: string;
  /** The guest's device: vda (system), vdb, vdc, … */
  device: string;
  role: 'system' | 'data';
  /** The size the guest sees. */
  virtualSizeBytes: number;
  /** Bytes the disk takes on its host (thin disks less than their size); null when the host could not be asked. */
  actualSizeBytes: number | null;
  /** qcow2 for every disk onebox makes; null when the host could not be asked. */
  format: string | null;
  /** The image a linked clone reads from (its id), or null. */
  backingImageId: string | null;
}
