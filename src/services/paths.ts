/** Where things live inside the data directory. One place, so no service invents a path. */
import { join } from 'node:path';

/** Paths of files onebox keeps under its data directory. */
export class DataPaths {
  constructor(readonly root: string) {}

  get database(): string {
    return join(this.root, 'onebox.db');
  }
  get imagesDir(): string {
    return join(this.root, 'images');
  }
  get mediaDir(): string {
    return join(this.root, 'media');
  }
  get instancesDir(): string {
    return join(this.root, 'instances');
  }
  /** Temporary files of uploads in progress (same filesystem as the targets, for atomic rename). */
  get uploadsDir(): string {
    return join(this.root, 'uploads');
  }
  /** The one-time setup code (exists until the initial admin does). */
  get setupCode(): string {
    return join(this.root, 'setup-code');
  }
  /** onebox's CA and the server certificate. */
  get tlsDir(): string {
    return join(this.root, 'tls');
  }
  /** Held by the running server: one server per data directory. */
  get lockFile(): string {
    return join(this.root, 'onebox.lock');
  }
  image(fileName: string): string {
    return join(this.imagesDir, fileName);
  }
  mediaFile(fileName: string): string {
    return join(this.mediaDir, fileName);
  }
  instanceDir(instanceId: string): string {
    return join(this.instancesDir, instanceId);
  }
  systemDisk(instanceId: string): string {
    return join(this.instanceDir(instanceId), 'system.qcow2');
  }
  /** The n-th data disk (0-based) of an instance. */
  dataDisk(instanceId: string, index: number): string {
    return join(this.instanceDir(instanceId), `data-${index}.qcow2`);
  }
  /** The cloud-init NoCloud seed ISO of an instance. */
  seedIso(instanceId: string): string {
    return join(this.instanceDir(instanceId), 'seed.iso');
  }
  serialLog(instanceId: string): string {
    return join(this.instanceDir(instanceId), 'serial.log');
  }
}
