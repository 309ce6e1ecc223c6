/** Snapshots of an instance: the create body and the tree as the API shows it. */
import * as z from 'zod';

/** POST /instances/:id/snapshots. */
export const createSnapshotSchema = z
  .object({
    name: z.string().trim().min(1, 'Give the snapshot a name.').max(64, 'The name is at most 64 characters.'),
    description: z.string().max(1000, 'The description is at most 1000 characters.').optional(),
    /** Also save the guest's memory (running instances only; answers 202 with an operation): a revert then resumes the guest where it was. */
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
  /** Whether the guest's memory was saved with the disks (a revert to it resumes the guest running). */
  memory: boolean;
  /** Bytes of the saved memory (0 when disk-only). */
  memorySizeBytes: number;
  /** The disk volumes it holds (`system`, `data-<slot>`). */
  disks: string[];
  /** Bytes its frozen files took on the host when taken. */
  sizeBytes: number;
  createdAt: string;
}
