/**
 * FakeImageInspector: answers like qemu-img from the file's own qcow2 header (or as raw),
 * without running anything, so API tests need no qemu-img. The inspector contract suite
 * keeps it in step with the real one.
 */
import { copyFile, stat } from 'node:fs/promises';
import type { DiskSource } from './import-format.js';
import type { DiskFormat, ImageInspector, VolumeInfo } from './inspector.js';
import { readHead } from './inspector.js';
import { parseQcow2Header } from './qcow2-header.js';

/** Header-reading stand-in for qemu-img. */
export class FakeImageInspector implements ImageInspector {
  async info(path: string, format: DiskFormat): Promise<VolumeInfo> {
    const { size } = await stat(path);
    if (format === 'raw') return { format: 'raw', virtualSizeBytes: size, actualSizeBytes: size };
    const header = parseQcow2Header(await readHead(path, 65536));
    if (!header) throw new Error(`qemu-img: Could not open '${path}': Image is not in qcow2 format`);
    return {
      format: 'qcow2',
      virtualSizeBytes: header.virtualSizeBytes,
      actualSizeBytes: size,
      backingFile: header.backingFile,
      dataFile: header.dataFile,
    };
  }

  /** qcow2 and raw files only: the other formats need the real qemu-img (tests of them use it). */
  async inspectSource(source: DiskSource): Promise<VolumeInfo> {
    if (source.range || (source.format !== 'qcow2' && source.format !== 'raw')) throw new Error(`the fake inspector cannot read ${source.format}${source.range ? ' inside a file' : ''}`);
    return this.info(source.path, source.format);
  }

  /** A qcow2 file is "converted" by copying it; anything else needs the real qemu-img. */
  async convertToQcow2(source: DiskSource, dest: string, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
    if (source.range || source.format !== 'qcow2') throw new Error(`the fake inspector cannot convert ${source.format}`);
    signal?.throwIfAborted();
    await copyFile(source.path, dest);
    onProgress?.(1);
  }

  async check(path: string): Promise<void> {
    const { size } = await stat(path);
    const header = parseQcow2Header(await readHead(path, 65536));
    if (!header) throw new Error(`qemu-img check: '${path}' is not a qcow2 image`);
    // qemu-img check reports corruption when the metadata tables lie (partly) outside the file.
    const cluster = 2 ** header.clusterBits;
    if (header.refcountTableOffset === 0 || header.refcountTableOffset + cluster > size || header.l1TableOffset + 8 > size)
      throw new Error(`qemu-img check: '${path}' is corrupt (its tables lie outside the file)`);
  }
}
