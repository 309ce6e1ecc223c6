import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LockedError, acquirePidLock, processStartTime } from './pid-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'onebox-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'onebox.lock');

test('a lock held by a live process refuses, naming its pid', () => {
  // pid 1 is alive and is not us: write the lock as it would.
  writeFileSync(file, JSON.stringify({ pid: 1, start: processStartTime(1) }));
  assert.throws(() => acquirePidLock(file, '/data'), (err: unknown) => err instanceof LockedError && err.holderPid === 1 && /pid 1\) is already serving \/data/.test(err.message));
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, 1, 'the live lock is left alone');
});

test('a lock whose pid was reused by another process (different start time) is stale', () => {
  writeFileSync(file, JSON.stringify({ pid: 1, start: '1' }));
  const lock = acquirePidLock(file, '/data');
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid);
  lock.release();
  assert.equal(existsSync(file), false);
});

test('a lock left by a killed process is taken over; garbage too', () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.kill(process.pid, "SIGKILL")']);
  assert.equal(dead.signal, 'SIGKILL');
  writeFileSync(file, JSON.stringify({ pid: dead.pid, start: '12345' }));
  acquirePidLock(file, '/data').release();
  writeFileSync(file, 'not json');
  const lock = acquirePidLock(file, '/data');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { pid: process.pid, start: processStartTime(process.pid) });
  lock.release();
});

test('release leaves a lock that another process took alone', () => {
  const lock = acquirePidLock(file, '/data');
  writeFileSync(file, JSON.stringify({ pid: 1, start: processStartTime(1) }));
  lock.release();
  assert.equal(existsSync(file), true);
  rmSync(file);
});
