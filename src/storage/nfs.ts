/**
 * NFS storage pools. Two ways for a host to use an export:
 * - `mount`: the kernel client mounts `server:/export` on `<dataDir>/storage/<pool-id>` with the
 *   pool's options; then it is a directory like any other (the dir driver does the rest).
 * - `qemu`: hosts without a kernel NFS client (no `nfs` in /proc/filesystems) address volumes
 *   by `nfs://server/export/<group>/<file>` URLs, which qemu-img and QEMU's libnfs block driver
 *   open themselves; what neither does (free space, directories, deleting and renaming files)
 *   goes through a small NFSv3 client (nfs-rpc.ts).
 * Images a linked clone sits on are copied onto the share first (`_images/<file>`, once), so the
 * backing chain is on the export too and every host of the pool can open it.
 */
import { access, copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { run } from '../lib/exec.js';
import { nfsUrl } from '../lib/nfs-url.js';
import { StorageError, VolumeExistsError } from '../lib/storage-errors.js';
import { DirStorageDriver } from './dir.js';
import { assertVolumeName, type DiskFormat, type StorageCapacity, type StorageDriver, type StoragePoolSpec } from './driver.js';
import { NfsError, withNfs, type NfsSession } from './nfs-rpc.js';
import { QemuImg } from './qemu-img.js';
import { QemuImgVolumes } from './qemu-img-volumes.js';

/** An NFS pool's spec. */
export type NfsPoolSpec = Extract<StoragePoolSpec, { kind: 'nfs' }>;

/** How this host reaches NFS exports: `auto` picks `mount` when the kernel has an NFS client. */
export type NfsMode = 'auto' | 'mount' | 'qemu';

/** The directory shared images are copied to on an export. */
const IMAGES_GROUP = '_images';

/** True when the kernel can mount NFS: `nfs` in /proc/filesystems, or mount.nfs present with a module to load. */
export async function kernelHasNfs(): Promise<boolean> {
  const fs = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  if (/\tnfs4?\n/.test(fs)) return true;
  const helper = await access('/usr/sbin/mount.nfs').then(() => true, () => false);
  if (!helper) return false;
  const release = (await readFile('/proc/sys/kernel/osrelease', 'utf8').catch(() => '')).trim();
  return access(join('/lib/modules', release, 'kernel/fs/nfs')).then(() => true, () => false);
}

/** The mode this host uses for NFS pools (`auto` resolved once). */
export async function resolveNfsMode(mode: NfsMode): Promise<'mount' | 'qemu'> {
  if (mode !== 'auto') return mode;
  return (await kernelHasNfs()) ? 'mount' : 'qemu';
}

/** Copies a host file (an image) into the share once, under `_images/`; returns its place there. */
async function shareImage(pool: StorageDriver, backingPath: string, copyIn: (volume: string) => Promise<void>): Promise<string> {
  if (backingPath.startsWith('nfs://')) return backingPath;
  const volume = `${IMAGES_GROUP}/${basename(backingPath)}`;
  if (!(await pool.exists(volume))) {
    const partial = `${IMAGES_GROUP}/${basename(backingPath)}.partial`;
    await pool.delete(partial);
    await copyIn(partial);
    await pool.replace(volume, partial);
  }
  return pool.pathOf(volume);
}

/** A kernel NFS mount under the host's data directory, used as a directory pool. */
export class NfsMountStorageDriver extends DirStorageDriver {
  override readonly kind = 'dir';

  constructor(
    private readonly spec: NfsPoolSpec,
    private readonly mountPoint: string,
  ) {
    super(mountPoint);
  }

  /** Mounts the export unless it already is (options shown in the error when it fails). */
  override async activate(): Promise<void> {
    await mkdir(this.mountPoint, { recursive: true });
    const mounts = await readFile('/proc/mounts', 'utf8').catch(() => '');
    if (mounts.split('\n').some((line) => line.split(' ')[1] === this.mountPoint)) return;
    const options = this.spec.mountOptions ?? 'defaults';
    await run(['mount', '-t', 'nfs', '-o', options, `${this.spec.server}:${this.spec.exportPath}`, this.mountPoint], { timeoutMs: 60_000 }).catch((err: unknown) => {
      throw new StorageError(`mount -t nfs -o ${options} ${this.spec.server}:${this.spec.exportPath} ${this.mountPoint} failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  override async createLinkedClone(volume: string, backingPath: string, backingFormat: DiskFormat, sizeBytes: number): Promise<void> {
    const shared = await shareImage(this, backingPath, async (partial) => {
      await mkdir(join(this.mountPoint, IMAGES_GROUP), { recursive: true });
      await copyFile(backingPath, this.pathOf(partial));
    });
    await super.createLinkedClone(volume, shared, backingFormat, sizeBytes);
  }
}

/** Volumes on an export reached through QEMU's NFS driver and onebox's NFSv3 client. */
export class NfsQemuStorageDriver extends QemuImgVolumes implements StorageDriver {
  readonly kind = 'nfs';

  constructor(
    private readonly spec: NfsPoolSpec,
    qemuImg = new QemuImg(),
  ) {
    super(qemuImg);
  }

  /** Runs `fn` on a session of the export; NFS failures become StorageErrors naming the export. */
  private async nfs<T>(fn: (s: NfsSession) => Promise<T>): Promise<T> {
    try {
      return await withNfs(this.spec.server, this.spec.exportPath, fn);
    } catch (err) {
      if (err instanceof NfsError) throw new StorageError(`NFS export ${this.spec.server}:${this.spec.exportPath}: ${err.message}`);
      throw err;
    }
  }

  async activate(): Promise<void> {
    await this.nfs((s) => s.fsstat());
  }

  async capacity(): Promise<StorageCapacity> {
    return this.nfs((s) => s.fsstat());
  }

  pathOf(volume: string): string {
    assertVolumeName(volume);
    return nfsUrl(this.spec.server, this.spec.exportPath, volume);
  }

  async exists(volume: string): Promise<boolean> {
    assertVolumeName(volume);
    return (await this.nfs((s) => s.lookup(volume))) !== undefined;
  }

  async createLinkedClone(volume: string, backingPath: string, backingFormat: DiskFormat, sizeBytes: number): Promise<void> {
    const shared = await shareImage(this, backingPath, async (partial) => {
      await this.newPath(partial);
      await this.qemuImg.copyAs(backingPath, backingFormat, this.pathOf(partial));
    });
    await this.qemuImg.createOverlay(await this.newPath(volume), shared, backingFormat, sizeBytes);
  }

  /** Writes a host file (a seed ISO) onto the export byte for byte (qemu-img convert, raw to raw), replacing an older one. */
  async importFile(volume: string, localPath: string): Promise<void> {
    const partial = `${volume}.partial`;
    await this.delete(partial);
    await this.newPath(partial);
    await this.qemuImg.copyAs(localPath, 'raw', this.pathOf(partial));
    await this.renameVolume(partial, volume);
    await rm(localPath, { force: true });
  }

  async delete(volume: string): Promise<void> {
    assertVolumeName(volume);
    await this.nfs((s) => s.remove(volume));
  }

  async deleteGroup(group: string): Promise<void> {
    assertVolumeName(`${group}/x`);
    await this.nfs((s) => s.removeTree(group));
  }

  protected async renameVolume(from: string, to: string): Promise<void> {
    await this.nfs((s) => s.rename(from, to));
  }

  /** The URL of a volume to create: VolumeExistsError when it exists; its group's directory made. */
  protected async newPath(volume: string): Promise<string> {
    assertVolumeName(volume);
    const group = volume.split('/')[0] as string;
    const exists = await this.nfs(async (s) => {
      if (await s.lookup(volume)) return true;
      await s.mkdirp(group);
      return false;
    });
    if (exists) throw new VolumeExistsError(volume);
    return this.pathOf(volume);
  }
}


export { nfsUrl };
