/**
 * The data directory of one server: its lock first (a second server stops there, touching
 * nothing), then the database and the file library, with modes that keep local users out
 * (directory 0700, database files 0600, also when an older onebox made them looser). The live
 * migration setup then lets QEMU's group pass through the directory (0710, migration-tls-setup.ts).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase, type Db } from '../db/client.js';
import { acquirePidLock } from '../lib/pid-lock.js';
import { SetupCode } from '../lib/setup-code.js';
import { FileLibrary } from '../storage/library.js';
import { QemuImg } from '../storage/qemu-img.js';

/** What the server keeps in its data directory. */
export interface DataDir {
  db: Db;
  library: FileLibrary;
  setupCode: SetupCode;
  setupCodeFile: string;
  tlsDir: string;
}

/** Locks and opens `root` for this process. */
export async function openDataDir(root: string): Promise<DataDir> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const lock = acquirePidLock(join(root, 'onebox.lock'), root);
  process.once('exit', () => lock.release());
  const library = new FileLibrary(root, new QemuImg());
  await library.init();
  const database = join(root, 'onebox.db');
  const db = openDatabase(database, root);
  await chmod(root, 0o700);
  for (const file of [database, `${database}-wal`, `${database}-shm`]) if (existsSync(file)) await chmod(file, 0o600);
  const setupCodeFile = join(root, 'setup-code');
  return { db, library, setupCode: new SetupCode(setupCodeFile), setupCodeFile, tlsDir: join(root, 'tls') };
}
