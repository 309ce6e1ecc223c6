/**
 * ImageInspector: what an uploaded disk image is (format, sizes, backing and data files) and
 * whether it is consistent. Implementations: qemu-img (real) and a header reader (fake, tests).
 */
import { open } from 'node:fs/promises';
import type { DiskSource } from './import-format.js';
import { isQcow2 } from './qcow2-header.js';

/** What an image inspection reports. */
export interface VolumeInfo {
  format: string;
  virtualSizeBytes: number;
  actualSizeBytes: number;
  backingFile?: string;
  /** The format of the backing file, as recorded in the image. */
  backingFormat?: string;
  /** A qcow2 external data file (a path on the host the image's data lives in). */
  dataFile?: string;
  /** vmdk only: its create type and how many extents (files) it names; onebox takes single-file vmdks only. */
  vmdk?: { createType: string; extents: number };
}

/** Disk formats onebox stores. */
export type DiskFormat = 'qcow2' | 'raw';

/** Inspects image files on this machine. */
export interface ImageInspector {
  /** Reports what the file is. `format` pins the driver (never probe untrusted bytes with every format). */
  info(path: string, format: DiskFormat): Promise<VolumeInfo>;
  /** Verifies a qcow2 image is consistent; throws when it is not. */
  check(path: string): Promise<void>;
  /** Reports what an imported disk is, its format pinned by the caller (a sniffed one). */
  inspectSource(source: DiskSource): Promise<VolumeInfo>;
  /** Converts an imported disk into a new self-contained qcow2 at `dest` (an async child process), reporting progress 0..1; `signal` kills it. */
  convertToQcow2(source: DiskSource, dest: string, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<void>;
}

/** Reads the first bytes of a file. */
export async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The format of an untrusted file from its first bytes, read in Node: the qcow2 magic means
 * qcow2, anything else is treated as raw (so qemu-img never probes vmdk descriptors or the like).
 */
export async function sniffFormat(path: string): Promise<DiskFormat> {
  return isQcow2(await readHead(path, 4)) ? 'qcow2' : 'raw';
}
