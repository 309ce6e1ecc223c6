/**
 * StorageDriver: the volumes of one storage pool on one host. Knows only files (or what
 * stands for them) and qemu-img, never the database: the storage-pool service hands the host
 * a plain StoragePoolSpec and the host loads the driver for its kind.
 * Implementations: dir (a local directory, qemu-img) and fake (in memory, tests).
 * Volumes are named `<group>/<file>`: one group per instance (`ins_…/system.qcow2`).
 */
import type { DiskFormat, VolumeInfo } from './inspector.js';

export type { DiskFormat, VolumeInfo };

/** A storage pool as the host receives it from the controller. */
export type StoragePoolSpec =
  | {
      id: string;
      kind: 'local';
      /** Absolute directory on every host; null = the host's own default under its data directory. */
      path: string | null;
    }
  | {
      id: string;
      kind: 'nfs';
      /** Host name or IPv4 address of the NFS server. */
      server: string;
      /** Absolute export path on the server. */
      exportPath: string;
      /** `mount -o` options (null = none); hosts that reach NFS through QEMU's driver ignore them. */
      mountOptions: string | null;
    };

/** How a host reaches a storage pool and whether it can write there (the API's StoragePoolProbe in shared/pools.ts has this shape: the layering keeps drivers off shared/). */
export interface StoragePoolProbe {
  state: 'mounted' | 'error';
  mode: 'dir' | 'mount' | 'qemu';
  message: string | null;
  location: string | null;
  mountOptions: string | null;
  totalBytes: number | null;
  freeBytes: number | null;
}

/** Size and free space of a pool's filesystem on one host. */
export interface StorageCapacity {
  totalBytes: number;
  freeBytes: number;
}

/** Progress callback: a fraction from 0 to 1. */
export type ProgressFn = (fraction: number) => void;

/** Volume operations on one pool of one host. Creating an existing volume throws VolumeExistsError; reading a missing one VolumeNotFoundError. */
export interface StorageDriver {
  /** Short name for logs: "dir" or "fake". */
  readonly kind: string;
  /** Makes the pool usable on this host (creates its directory; later: mounts NFS). */
  activate(): Promise<void>;
  capacity(): Promise<StorageCapacity>;
  /** Where QEMU on this host finds the volume. */
  pathOf(volume: string): string;
  exists(volume: string): Promise<boolean>;
  createBlank(volume: string, sizeBytes: number): Promise<void>;
  /** A qcow2 overlay on a file of this host (a linked clone); `sizeBytes` grows it. */
  createLinkedClone(volume: string, backingPath: string, backingFormat: DiskFormat, sizeBytes: number): Promise<void>;
  /** A qcow2 overlay on another qcow2 volume of the pool, as large as it (a snapshot's next file; the backing volume may be in use by a running guest). */
  createOverlay(volume: string, backingVolume: string): Promise<void>;
  /** An independent qcow2 copy of a file of this host (never probed: the format is given), grown to `sizeBytes`. */
  createFullCopy(volume: string, sourcePath: string, sourceFormat: DiskFormat, sizeBytes: number, onProgress?: ProgressFn): Promise<void>;
  /** Moves a finished file (a seed ISO built in a temporary directory) into the pool as a volume, replacing an older one. */
  importFile(volume: string, localPath: string): Promise<void>;
  info(volume: string): Promise<VolumeInfo>;
  /** Grows a qcow2 volume to `sizeBytes` (qemu-img resize; never shrinks: a smaller size throws). The volume must not be in use by a running guest. */
  resize(volume: string, sizeBytes: number): Promise<void>;
  /** Writes the volume, flattened with its backing chain, into one compressed, self-contained qcow2 at `destPath` (a host file outside the pool: an image being built). */
  exportFlat(volume: string, destPath: string, onProgress?: ProgressFn): Promise<void>;
  /** Rewrites a qcow2 volume into a new file beside it (keeping its backing file), then swaps it in with a rename; the volume must not be in use. */
  compact(volume: string, onProgress?: ProgressFn): Promise<void>;
  /**
   * A new qcow2 volume with what `sourceVolume` (a qcow2 of the pool) reads, its backing chain
   * flattened down to `backing` (undefined: all of it), which the copy keeps as its backing file
   * (qemu-img convert -B: only what differs from it is written). A clone of an instance's disk.
   */
  copy(volume: string, sourceVolume: string, backing: { path: string; format: DiskFormat } | undefined, onProgress?: ProgressFn): Promise<void>;
  /** Moves `replacement` over `volume` in one rename (the old file goes only once the new one is in place). */
  replace(volume: string, replacement: string): Promise<void>;
  /**
   * Points a qcow2 volume at another backing file (undefined: none), first copying into it whatever
   * differs (qemu-img rebase in safe mode: the guest's view of the volume does not change). Killed
   * midway, the volume still names its old backing file. Not for a volume a running guest uses.
   */
  rebase(volume: string, backingPath: string | undefined, backingFormat: DiskFormat): Promise<void>;
  /** Deletes one volume; a missing one is fine. */
  delete(volume: string): Promise<void>;
  /** Deletes every volume of a group (an instance's disks and seed); nothing to delete is fine. */
  deleteGroup(group: string): Promise<void>;
}

/** Checks a volume name: `<group>/<file>` with safe characters only (names come from ids, never from users). */
export function assertVolumeName(volume: string): void {
  if (!/^[A-Za-z0-9_-]+\/[A-Za-z0-9_.-]+$/.test(volume) || volume.includes('..')) throw new Error(`invalid volume name '${volume}'`);
}
