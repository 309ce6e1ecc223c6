/** Picks the StorageDriver for a pool's kind (Incus's loader shape): unknown kinds are a typed error. */
import { DirStorageDriver } from './dir.js';
import type { StorageDriver, StoragePoolSpec } from './driver.js';
import { StorageError } from '../lib/storage-errors.js';

/** Builds the driver of `pool` on this host; `defaultDir` holds pools without a path of their own. */
export function loadStorageDriver(pool: StoragePoolSpec, defaultDir: string): StorageDriver {
  switch (pool.kind) {
    case 'local':
      return new DirStorageDriver(pool.path ?? defaultDir);
    default:
      throw new StorageError(`storage pool kind '${(pool as { kind: string }).kind}' is not supported by this host`);
  }
}

/** Signature of a storage driver loader (tests inject one that builds fakes). */
export type StorageDriverLoader = typeof loadStorageDriver;
