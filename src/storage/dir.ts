/** Directory storage: the volumes of a pool are files under one directory of the host, made with qemu-img. */
import { access, chmod, copyFile, mkdir, rename, rm, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertVolumeName, type DiskFormat, type ProgressFn, type StorageCapacity, type StorageDriver, type VolumeInfo } from './driver.js';
import { StorageError, VolumeExistsError, VolumeNotFoundError } from '../lib/storage-errors.js';
import { QemuImg } from './qemu-img.js';

/** StorageDriver on a local directory. */
export class DirStorageDriver implements StorageDriver {
  readonly kind = 'dir';

  constructor(
    private readonly root: string,
    private readonly qemuImg = new QemuImg(),
  ) {}

  async activate(): Promise<void> {
    await this.traversableDir(this.root);
  }

  /** Creates a directory QEMU's user can traverse (0711 whatever the umask); the files inside stay 0600. */
  private async traversableDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o711);
  }

  async capacity(): Promise<StorageCapacity> {
    const fs = await statfs(this.root);
    return { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
  }

  pathOf(volume: string): string {
    assertVolumeName(volume);
    return join(this.root, volume);
  }

  async exists(volume: string): Promise<boolean> {
    return access(this.pathOf(volume)).then(
      () => true,
      () => false,
    );
  }

  async createBlank(volume: string, sizeBytes: number): Promise<void> {
    await this.qemuImg.createBlank(await this.newPath(volume), sizeBytes);
  }

  async createLinkedClone(volume: string, backingPath: string, backingFormat: DiskFormat, sizeBytes: number): Promise<void> {
    await this.qemuImg.createOverlay(await this.newPath(volume), backingPath, backingFormat, sizeBytes);
  }

  async createOverlay(volume: string, backingVolume: string): Promise<void> {
    const { virtualSizeBytes } = await this.info(backingVolume);
    await this.qemuImg.createOverlayUnchecked(await this.newPath(volume), this.pathOf(backingVolume), virtualSizeBytes);
  }

  async createFullCopy(volume: string, sourcePath: string, sourceFormat: DiskFormat, sizeBytes: number, onProgress?: ProgressFn): Promise<void> {
    const path = await this.newPath(volume);
    try {
      await this.qemuImg.convert(path, sourcePath, sourceFormat, sizeBytes, onProgress);
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
  }

  async importFile(volume: string, localPath: string): Promise<void> {
    const path = this.pathOf(volume);
    await this.traversableDir(dirname(path));
    // A rename when both are on one filesystem; else a copy to a temporary name, then a rename.
    await rename(localPath, path).catch(async () => {
      await copyFile(localPath, `${path}.partial`);
      await rename(`${path}.partial`, path);
      await rm(localPath, { force: true });
    });
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
    const path = this.pathOf(volume);
    const next = `${path}.compact`;
    await rm(next, { force: true }); // left by an earlier compaction cut off by a restart
    const backing = info.backingFile ? { path: info.backingFile, format: (info.backingFormat ?? 'qcow2') as DiskFormat } : undefined;
    try {
      await this.qemuImg.rewrite(next, path, backing, onProgress);
      await rename(next, path);
    } catch (err) {
      await rm(next, { force: true });
      throw err;
    }
  }

  async copy(volume: string, sourceVolume: string, backing: { path: string; format: DiskFormat } | undefined, onProgress?: ProgressFn): Promise<void> {
    if (!(await this.exists(sourceVolume))) throw new VolumeNotFoundError(sourceVolume);
    const path = await this.newPath(volume);
    try {
      await this.qemuImg.rewrite(path, this.pathOf(sourceVolume), backing, onProgress);
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
  }

  async replace(volume: string, replacement: string): Promise<void> {
    if (!(await this.exists(replacement))) throw new VolumeNotFoundError(replacement);
    await rename(this.pathOf(replacement), this.pathOf(volume));
  }

  async rebase(volume: string, backingPath: string | undefined, backingFormat: DiskFormat): Promise<void> {
    if (!(await this.exists(volume))) throw new VolumeNotFoundError(volume);
    await this.qemuImg.rebase(this.pathOf(volume), backingPath, backingFormat);
  }

  async delete(volume: string): Promise<void> {
    await rm(this.pathOf(volume), { force: true });
  }

  async deleteGroup(group: string): Promise<void> {
    assertVolumeName(`${group}/x`);
    await rm(join(this.root, group), { recursive: true, force: true });
  }

  private async newPath(volume: string): Promise<string> {
    if (await this.exists(volume)) throw new VolumeExistsError(volume);
    const path = this.pathOf(volume);
    await this.traversableDir(dirname(path));
    return path;
  }
}
