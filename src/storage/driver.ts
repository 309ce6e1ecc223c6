/**
 * StorageDriver: disk image files on one host. Knows only files and qemu-img, never the
 * database. Implementations: local (qemu-img on a directory) and fake (tests).
 */

/** What qemu-img reports about an image file. */
export interface VolumeInfo {
  format: string;
  virtualSizeBytes: number;
  actualSizeBytes: number;
  backingFile?: string;
  /** A qcow2 external data file (a path on the host the image's data lives in). */
  dataFile?: string;
}

/** Progress callback: a fraction from 0 to 1. */
export type ProgressFn = (fraction: number) => void;

/** Disk image operations on one host. Paths are absolute. */
export interface StorageDriver {
  /** Creates an empty qcow2 of the given virtual size. */
  createBlank(path: string, sizeBytes: number): Promise<void>;
  /** Creates a qcow2 overlay whose backing file is `backingPath` (a linked clone); `sizeBytes` grows it. */
  createLinkedClone(path: string, backingPath: string, backingFormat: string, sizeBytes: number): Promise<void>;
  /** Copies `source` (of format `sourceFormat`, never probed) into an independent qcow2 at `path`, then grows it to `sizeBytes`. */
  createFullCopy(path: string, source: string, sourceFormat: string, sizeBytes: number, onProgress?: ProgressFn): Promise<void>;
  /** Inspects an image file. */
  info(path: string): Promise<VolumeInfo>;
  /** Verifies that an image is consistent (qcow2 check); throws when it is not. */
  check(path: string): Promise<void>;
  /** Deletes a file if it exists. */
  remove(path: string): Promise<void>;
}
