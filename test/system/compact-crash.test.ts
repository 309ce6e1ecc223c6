/**
 * kill -9 in the middle of a disk compaction (a stopped instance; qemu-img convert rewriting 768
 * MiB of a pattern into `system.qcow2.compact` beside the disk): qemu-img dies with the server,
 * and after the restart the operation is failed, the disk is the old file (never a half copy),
 * consistent (qemu-img check) with every byte (qemu-io reads the pattern), the stray copy is
 * gone, and compacting again completes. No guest boots: the data is written with qemu-io.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { OneboxServer, waitFor, type Json } from './onebox-server.js';

const MiB = 1024 ** 2;

/** Pids whose command line names `dir` (a qemu-img that outlived the server would). */
function processesUsing(dir: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false; // gone meanwhile
      }
    });
}

describe('a disk compaction cut off by kill -9', { skip: skipUnlessPresent(bundle(), systemLibvirtd()), timeout: 300_000 }, () => {
  let server: OneboxServer;
  before(async () => {
    server = await OneboxServer.start();
    await server.bootstrap();
  });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  test('leaves the old disk, consistent and whole, no stray copy; compacting again completes', async () => {
    const res = await server.call('POST', '/instances', { json: { name: 'cut-compact', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } } });
    const { instance } = (await res.clone().json()) as Json;
    assert.equal((await server.waitOperation(res)).state, 'succeeded');
    const dir = join(server.dataDir, 'instances', instance.id);
    const disk = join(dir, 'system.qcow2');
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0xab 0 ${768 * MiB}`, disk], { stdio: 'ignore' });
    const inodeBefore = statSync(disk).ino;
    await server.call('GET', '/health').catch(() => undefined); // takes the keep-alive socket the server closed meanwhile

    const compact = await server.call('POST', `/instances/${instance.id}/disks/system/actions/compact`);
    assert.equal(compact.status, 202, await compact.clone().text());
    const { operation } = (await compact.json()) as Json;
    await waitFor('the copy to start', 60_000, async () => existsSync(`${disk}.compact`), 20);
    const pid = server.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed server to go', 10_000, async () => !existsSync(`/proc/${pid}`));
    assert.ok(existsSync(`${disk}.compact`), 'the half-made copy is there before the restart');
    await waitFor('qemu-img to die with the server', 10_000, async () => processesUsing(server.dataDir).length === 0);

    await server.spawn();
    const op = await server.json('GET', `/operations/${operation.id}`);
    assert.deepEqual([op.state, op.errorCode], ['failed', 'interrupted']);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.compact')), [], 'no stray copy after the restart');
    /** The disk passes qemu-img check and still holds every byte written. */
    const whole = () => {
      const check = spawnSync('qemu-img', ['check', '-q', '-f', 'qcow2', disk], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      const read = spawnSync('qemu-io', ['-r', '-f', 'qcow2', '-c', `read -P 0xab 0 ${768 * MiB}`, disk], { encoding: 'utf8' });
      assert.equal(read.status, 0, read.stderr);
      assert.doesNotMatch(read.stdout, /Pattern verification failed/);
    };
    whole();
    assert.equal(statSync(disk).ino, inodeBefore, 'the disk is still the old file');

    await server.call('GET', '/health').catch(() => undefined);
    const again = await server.call('POST', `/instances/${instance.id}/disks/system/actions/compact`);
    const done = await server.waitOperation(again, 240_000);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    assert.notEqual(statSync(disk).ino, inodeBefore, 'the compacted copy was swapped in');
    whole();
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.compact')), []);
  });
});
