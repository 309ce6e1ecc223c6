/**
 * The kernel-mount path of NFS pools (`--nfs-mode mount`), with `mount` faked: this machine's
 * kernel has no NFS client, so the system test uses QEMU's driver and this is where the mount
 * command line, its options and the report of a failed mount are checked. The fake `mount` is a
 * script first on PATH that records its arguments and exits as told.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StorageError } from '../lib/storage-errors.js';
import { NfsMountStorageDriver, type NfsPoolSpec } from './nfs.js';

describe('NFS pool in mount mode (mount faked)', () => {
  let dir: string;
  let savedPath: string | undefined;
  const argsFile = () => join(dir, 'mount-args');
  /** Makes the fake `mount` print `stderr` and exit with `code`. */
  const fakeMount = (code: number, stderr = '') => {
    const script = join(dir, 'bin', 'mount');
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile()}'\n${stderr ? `echo '${stderr}' >&2\n` : ''}exit ${code}\n`);
    chmodSync(script, 0o755);
  };
  const spec = (mountOptions: string | null): NfsPoolSpec => ({ id: 'sp_test', kind: 'nfs', server: '192.0.2.7', exportPath: '/srv/onebox', mountOptions });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'onebox-nfs-mount-'));
    mkdirSync(join(dir, 'bin'));
    savedPath = process.env.PATH;
    process.env.PATH = `${join(dir, 'bin')}:${savedPath}`;
  });
  after(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  test('activate() creates the mount point and runs mount -t nfs with the pool options, server:export and the mount point', async () => {
    fakeMount(0);
    const mountPoint = join(dir, 'storage', 'sp_test');
    await new NfsMountStorageDriver(spec('vers=4.2,hard,timeo=600'), mountPoint).activate();
    assert.ok(existsSync(mountPoint), 'the mount point was made');
    assert.deepEqual(readFileSync(argsFile(), 'utf8').split('\n').filter(Boolean), ['-t', 'nfs', '-o', 'vers=4.2,hard,timeo=600', '192.0.2.7:/srv/onebox', mountPoint]);
  });

  test('no pool options: mount gets -o defaults', async () => {
    fakeMount(0);
    const mountPoint = join(dir, 'storage', 'sp_plain');
    await new NfsMountStorageDriver(spec(null), mountPoint).activate();
    assert.deepEqual(readFileSync(argsFile(), 'utf8').split('\n').filter(Boolean), ['-t', 'nfs', '-o', 'defaults', '192.0.2.7:/srv/onebox', mountPoint]);
  });

  test('a failed mount is a StorageError naming the whole command and what mount said', async () => {
    fakeMount(32, 'mount.nfs: access denied by server while mounting 192.0.2.7:/srv/onebox');
    const mountPoint = join(dir, 'storage', 'sp_denied');
    const err = await new NfsMountStorageDriver(spec('vers=3'), mountPoint).activate().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof StorageError, String(err));
    assert.match(err.message, new RegExp(`^mount -t nfs -o vers=3 192\\.0\\.2\\.7:/srv/onebox ${mountPoint} failed: `));
    assert.match(err.message, /access denied by server/);
    assert.match(err.message, /exited with code 32/);
  });
});
