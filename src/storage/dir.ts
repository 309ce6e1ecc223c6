/** Directory storage: the volumes of a pool are files under one directory of the host, made with qemu-img. */
import { access, chmod, copyFile, mkdir, rename, rm, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertVolumeName, type DiskFormat, type StorageCapacity, type StorageDriver } from './driver.js';
import { VolumeExistsError } from '../lib/storage-errors.js';
import { QemuImg } from './qemu-img.js';
import { QemuImgVolumes } from './qemu-img-volumes.js';

/** StorageDriver on a local directory. */
export class DirStorageDriver extends QemuImgVolumes implements StorageDriver {
  readonly kind = 'dir';

  constructor(
    private readonly root: string,
    qemuImg = new QemuImg(),
  ) {
    super(qemuImg);
  }

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

  async createLinkedClone(volume: string, backingPath: string, backingFormat: DiskFormat, sizeBytes: number): Promise<void> {
    await this.qemuImg.createOverlay(await this.newPath(volume), backingPath, backingFormat, sizeBytes);
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

  async delete(volume: string): Promise<void> {
    await rm(this.pathOf(volume), { force: true });
  }

  async deleteGroup(group: string): Promise<void> {
    assertVolumeName(`${group}/x`);
    await rm(join(this.root, group), { recursive: true, force: true });
  }

  protected async renameVolume(from: string, to: string): Promise<void> {
    await rename(this.pathOf(from), this.pathOf(to));
  }

  protected async newPath(volume: string): Promise<string> {
    if (await this.exists(volume)) throw new VolumeExistsError(volume);
    const path = this.pathOf(volume);
    await this.traversableDir(dirname(path));
    return path;
  }
}
