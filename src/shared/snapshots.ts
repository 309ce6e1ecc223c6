/** Snapshots of an instance: the create body and the tree as the API shows it. */
import * as z from 'zod';

/** POST /instances/:id/snapshots. */
export const createSnapshotSchema = z
  .object({
    name: z.string().trim().min(1, 'Give the snapshot a name.').max(64, 'The name is at most 64 characters.'),
    description: z.string().max(1000, 'The description is at most 1000 characters.').optional(),
    /** Memory state is not offered yet: only `false` is accepted (true answers 400 snapshot_memory_unsupported). */
    memory: z.boolean().optional(),
  })
  .strict();
export type CreateSnapshotInput = z.infer<typeof createSnapshotSchema>;

/** One snapshot of an instance. */
export interface InstanceSnapshot {
  id: string;
  name: string;
  description: string;
  /** The snapshot it was taken on top of; null for the first of the tree. */
  parentId: string | null;
  /** The instance's disks sit on this one (exactly one is current while any exist). */
  current: boolean;
  /** Whether the guest's filesystems were frozen by its agent while it was taken (running only). */
  quiesced: boolean;
  /** The disk volumes it holds (`system`, `data-<slot>`). */
  disks: string[];
  /** Bytes its frozen files took on the host when taken. */
  sizeBytes: number;
  createdAt: string;
}
