/**
 * kill -9 in the middle of creating an instance (a full copy of a 512 MiB image): after the
 * restart the instance is in error with a reason that says what happened, it cannot be started
 * (it would boot a half-copied disk), and delete removes everything.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { OneboxServer, waitFor, type Json } from './onebox-server.js';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

describe('a create cut off by kill -9', { skip: skipUnlessPresent(bundle(), systemLibvirtd()), timeout: 300_000 }, () => {
  let server: OneboxServer;
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onebox-crash-'));
    server = await OneboxServer.start();
    await server.bootstrap();
  });
  after(async () => {
    await server?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('leaves an instance in a sticky error that only delete clears', async () => {
    // Random data, so the copy takes a while and cannot be skipped as zeros.
    const raw = join(dir, 'big.raw');
    // Asynchronously: a blocked event loop keeps undici from noticing the server closed an idle
    // keep-alive socket meanwhile, and the next request then dies with 'other side closed'.
    await execFileAsync('dd', ['if=/dev/urandom', `of=${raw}`, 'bs=1M', 'count=512', 'status=none']);
    const image = await server.json('POST', '/images?name=big', { body: Readable.toWeb(createReadStream(raw)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(image.format, 'raw', JSON.stringify(image));
    const res = await server.call('POST', '/instances', { json: { name: 'cut', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id, clone: 'full' } } });
    assert.equal(res.status, 202);
    const { instance, operation } = (await res.json()) as Json;
    await waitFor('the copy to start', 60_000, async () => (await server.json('GET', `/operations/${operation.id}`)).message === 'Copying the image', 20);
    const pid = server.pid!;
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((s) => s.trim()).filter(Boolean);
    process.kill(pid, 'SIGKILL');
    // The copy it started is ours to stop too (by pid: nothing else on the machine is touched).
    for (const child of children) {
      try {
        process.kill(Number(child), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await waitFor('the killed server to go', 10_000, async () => !existsSync(`/proc/${pid}`));
    await server.spawn();

    const after = await server.json('GET', `/instances/${instance.id}`);
    assert.equal(after.state, 'error');
    assert.equal(after.errorCode, 'interrupted_create');
    assert.match(after.stateReason, /restarted while the instance was being created/);
    assert.equal((await server.json('GET', `/operations/${operation.id}`)).state, 'failed');
    const start = await server.call('POST', `/instances/${instance.id}/actions/start`);
    assert.equal(start.status, 409);
    assert.equal(((await start.json()) as Json).code, 'instance_needs_repair');
    // A refresh (a reconnect, an event) must not turn it into a healthy-looking stopped instance.
    assert.equal((await server.json('GET', `/instances/${instance.id}`)).state, 'error');

    const del = await server.call('DELETE', `/instances/${instance.id}`);
    assert.equal((await server.waitOperation(del)).state, 'succeeded');
    assert.equal((await server.call('GET', `/instances/${instance.id}`)).status, 404);
    assert.equal(existsSync(join(server.dataDir, 'instances', instance.id)), false, 'its directory and partial disk are gone');
  });
});
