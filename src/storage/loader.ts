/** Picks the StorageDriver for a pool's kind (Incus's loader shape): unknown kinds are a typed error. */
import { join } from 'node:path';
import { DirStorageDriver } from './dir.js';
import type { StorageDriver, StoragePoolSpec } from './driver.js';
import { NfsMountStorageDriver, NfsQemuStorageDriver } from './nfs.js';
import { StorageError } from '../lib/storage-errors.js';

/** What a host tells the loader about itself (NFS pools need it). */
export interface StorageHostContext {
  /** Where kernel NFS mounts go: `<dataDir>/storage/<pool-id>`. */
  storageDir: string;
  /** How this host reaches NFS exports (resolved: the kernel client, or QEMU's NFS driver). */
  nfsMode: 'mount' | 'qemu';
}

/** Builds the driver of `pool` on this host; `defaultDir` holds pools without a path of their own. */
export function loadStorageDriver(pool: StoragePoolSpec, defaultDir: string, host?: StorageHostContext): StorageDriver {
  switch (pool.kind) {
    case 'local':
      return new DirStorageDriver(pool.path ?? defaultDir);
    case 'nfs':
      if (!host) throw new StorageError(`NFS storage pool '${pool.id}' needs a host context`);
      return host.nfsMode === 'mount' ? new NfsMountStorageDriver(pool, join(host.storageDir, pool.id)) : new NfsQemuStorageDriver(pool);
    default:
      throw new StorageError(`storage pool kind '${(pool as { kind: string }).kind}' is not supported by this host`);
  }
}

/** Signature of a storage driver loader (tests inject one that builds fakes). */
export type StorageDriverLoader = typeof loadStorageDriver;
