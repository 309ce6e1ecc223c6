import { existsSync } from 'node:fs';
import { DirStorageDriver } from './dir.js';
import { storageDriverContract } from './driver-contract.js';

const hasQemuImg = ['/usr/bin/qemu-img', '/bin/qemu-img'].some(existsSync);
storageDriverContract('dir (real qemu-img)', (root) => new DirStorageDriver(root), { skip: hasQemuImg ? undefined : 'qemu-img is not installed' });
