/** Where a host agent keeps its files under its data directory. One place, so nothing invents a path. */
import { join } from 'node:path';

/** Paths of a host's own files. */
export class HostPaths {
  constructor(readonly root: string) {}

  /** Per-instance directories: the console log, and the disks of the default local storage pool. */
  get instancesDir(): string {
    return join(this.root, 'instances');
  }
  instanceDir(instanceId: string): string {
    return join(this.instancesDir, instanceId);
  }
  serialLog(instanceId: string): string {
    return join(this.instanceDir(instanceId), 'serial.log');
  }
  /** The host's copies of library files (images, ISOs). */
  artifactDir(shelf: 'images' | 'media'): string {
    return join(this.root, 'cache', shelf);
  }
  artifact(shelf: 'images' | 'media', fileName: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(fileName) || fileName.startsWith('.')) throw new Error(`invalid artifact file name '${fileName}'`);
    return join(this.artifactDir(shelf), fileName);
  }
  /** Mount points of NFS storage pools (kernel mounts): `storage/<pool-id>`. */
  get storageDir(): string {
    return join(this.root, 'storage');
  }
  storageMount(poolId: string): string {
    return join(this.storageDir, poolId);
  }
  /** Scratch space on the same filesystem (seed ISOs being built, artifacts being fetched). */
  get tmpDir(): string {
    return join(this.root, 'tmp');
  }
}
