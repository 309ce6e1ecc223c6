/**
 * The volume operations both qemu-img storage drivers share (a directory of the host, an NFS
 * export through QEMU's NFS driver), written once over the few things that differ between them:
 * where a volume is, whether it exists, making room for a new one, deleting and renaming.
 */
import { rm } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { StorageError, VolumeNotFoundError } from '../lib/storage-errors.js';
import type { DiskFormat, ProgressFn, VolumeInfo } from './driver.js';
import { readHead } from './inspector.js';
import { parseQcow2Header } from './qcow2-header.js';
import type { QemuImg } from './qemu-img.js';

/** How much of a qcow2 file holds its header, backing name and extensions (one 64 KiB cluster). */
const HEADER_BYTES = 65536;

/** Base of the qemu-img storage drivers. */
export abstract class QemuImgVolumes {
  constructor(protected readonly qemuImg: QemuImg) {}

  /** Where qemu-img and QEMU open the volume (a path or an nfs:// URL). */
  abstract pathOf(volume: string): string;
  abstract exists(volume: string): Promise<boolean>;
  /** Removes the volume; nothing when it does not exist. */
  abstract delete(volume: string): Promise<void>;
  /** Where to create a volume: VolumeExistsError when it exists; its group's directory made. */
  protected abstract newPath(volume: string): Promise<string>;
  /** Moves volume `from` over volume `to` (one rename: readers see the old file or the new one). */
  protected abstract renameVolume(from: string, to: string): Promise<void>;

  async createBlank(volume: string, sizeBytes: number): Promise<void> {
    await this.qemuImg.createBlank(await this.newPath(volume), sizeBytes);
  }

  async createOverlay(volume: string, backingVolume: string): Promise<void> {
    const virtualSizeBytes = await this.virtualSizeOf(backingVolume);
    await this.qemuImg.createOverlayUnchecked(await this.newPath(volume), this.pathOf(backingVolume), virtualSizeBytes);
  }

  /**
   * A qcow2 volume's virtual size, read from its header when it is a file here: a live snapshot
   * makes its overlays while the guest runs, and a qemu-img run per disk was most of that time.
   * Through QEMU's NFS driver, or when the header does not parse, qemu-img answers.
   */
  private async virtualSizeOf(volume: string): Promise<number> {
    const path = this.pathOf(volume);
    if (isAbsolute(path) && volume.endsWith('.qcow2')) {
      const header = parseQcow2Header(await readHead(path, HEADER_BYTES).catch(() => Buffer.alloc(0)));
      if (header) return header.virtualSizeBytes;
    }
    return (await this.info(volume)).virtualSizeBytes;
  }

  async createFullCopy(volume: string, sourcePath: string, sourceFormat: DiskFormat, sizeBytes: number, onProgress?: ProgressFn): Promise<void> {
    const path = await this.newPath(volume);
    try {
      await this.qemuImg.convert(path, sourcePath, sourceFormat, sizeBytes, onProgress);
    } catch (err) {
      await this.delete(volume);
      throw err;
    }
  }

  async info(volume: string): Promise<VolumeInfo> {
    if (!(await this.exists(volume))) throw new VolumeNotFoundError(volume);
    // Volumes are made by onebox as qcow2, except imported files (seed ISOs), which are raw.
    return this.qemuImg.info(this.pathOf(volume), volume.endsWith('.qcow2') ? 'qcow2' : 'raw');
  }

  async resize(volume: string, sizeBytes: number): Promise<void> {
    const info = await this.info(volume);
    if (sizeBytes < info.virtualSizeBytes) throw new StorageError(`volume '${volume}' cannot shrink from ${info.virtualSizeBytes} to ${sizeBytes} bytes`);
    if (sizeBytes > info.virtualSizeBytes) await this.qemuImg.resize(this.pathOf(volume), sizeBytes);
  }

  async exportFlat(volume: string, destPath: string, onProgress?: ProgressFn): Promise<void> {
    if (!(await this.exists(volume))) throw new VolumeNotFoundError(volume);
    try {
      await this.qemuImg.flattenCompressed(destPath, this.pathOf(volume), onProgress);
    } catch (err) {
      await rm(destPath, { force: true });
      throw err;
    }
  }

  async compact(volume: string, onProgress?: ProgressFn): Promise<void> {
    const info = await this.info(volume);
    const next = `${volume}.compact`;
    await this.delete(next); // left by an earlier compaction cut off by a restart
    const backing = info.backingFile ? { path: info.backingFile, format: (info.backingFormat ?? 'qcow2') as DiskFormat } : undefined;
    try {
      await this.qemuImg.rewrite(this.pathOf(next), this.pathOf(volume), backing, onProgress);
      await this.renameVolume(next, volume);
    } catch (err) {
      await this.delete(next);
      throw err;
    }
  }

  async copy(volume: string, sourceVolume: string, backing: { path: string; format: DiskFormat } | undefined, onProgress?: ProgressFn): Promise<void> {
    if (!(await this.exists(sourceVolume))) throw new VolumeNotFoundError(sourceVolume);
    const path = await this.newPath(volume);
    try {
      await this.qemuImg.rewrite(path, this.pathOf(sourceVolume), backing, onProgress);
    } catch (err) {
      await this.delete(volume);
      throw err;
    }
  }

  async replace(volume: string, replacement: string): Promise<void> {
    if (!(await this.exists(replacement))) throw new VolumeNotFoundError(replacement);
    await this.renameVolume(replacement, volume);
  }

  async rebase(volume: string, backingPath: string | undefined, backingFormat: DiskFormat): Promise<void> {
    if (!(await this.exists(volume))) throw new VolumeNotFoundError(volume);
    await this.qemuImg.rebase(this.pathOf(volume), backingPath, backingFormat);
  }
}
