/**
 * kill -9 in the middle of a snapshot delete (a stopped instance; qemu-img rebase copying 768 MiB
 * of its middle snapshot into the file above): after the restart the operation is failed, the
 * chain on disk is consistent (qemu-img check, every recorded file sits on its recorded parent),
 * no byte is lost (qemu-io reads the pattern through the chain), and deleting again completes.
 * Then kill -9 in the middle of a disk compaction (qemu-img convert rewriting 768 MiB of a pattern
 * into `system.qcow2.compact` beside the disk): qemu-img dies with the server, and after the
 * restart the operation is failed, the disk is the old file (never a half copy), consistent with
 * every byte, the stray copy is gone, and compacting again completes.
 * No guest boots: the data is written into the disks' files with qemu-io.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { processesNaming } from '../fixtures/processes.js';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { OneboxServer, waitFor, type Json } from './onebox-server.js';

const MiB = 1024 ** 2;

/** The disk file no other file sits on: the one the disk writes to. */
function activeFile(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.startsWith('system') && f.endsWith('.qcow2'));
  const backings = new Set(files.map((f) => (JSON.parse(execFileSync('qemu-img', ['info', '--output=json', join(dir, f)], { encoding: 'utf8' })) as Json)['backing-filename']).filter(Boolean).map((b) => String(b).slice(String(b).lastIndexOf('/') + 1)));
  const tops = files.filter((f) => !backings.has(f));
  assert.equal(tops.length, 1, `one active file: ${tops.join(', ')}`);
  return tops[0];
}

describe('long disk jobs cut off by kill -9: a snapshot delete, a compaction', { skip: skipUnlessPresent(bundle(), systemLibvirtd()), timeout: 900_000 }, () => {
  let server: OneboxServer;
  before(async () => {
    server = await OneboxServer.start();
    await server.bootstrap();
  });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  test('leaves a consistent chain; the next start makes the tree match it; deleting again completes', async () => {
    const res = await server.call('POST', '/instances', { json: { name: 'cut-snap', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } } });
    const { instance } = (await res.clone().json()) as Json;
    assert.equal((await server.waitOperation(res)).state, 'succeeded');
    const dir = join(server.dataDir, 'instances', instance.id);
    /** A GET, once more if the server had closed the idle keep-alive socket while the test ran qemu-img. */
    const get = async (path: string): Promise<Json> => server.json('GET', path).catch(() => server.json('GET', path));
    const take = async (name: string) => server.json('POST', `/instances/${instance.id}/snapshots`, { json: { name } });
    const s1 = await take('s1');
    // The data the middle snapshot will hold: 768 MiB of a pattern written into the disk's current file.
    const top1 = `system.${s1.id}.qcow2`; // the file the disk writes to after s1
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0xab 0 ${768 * MiB}`, join(dir, top1)], { stdio: 'ignore' });
    // The server closed the idle keep-alive socket meanwhile: a throwaway request takes the dead socket.
    await server.call('GET', '/health').catch(() => undefined);
    const s2 = await take('s2');
    await take('s3');
    const del = await server.call('DELETE', `/instances/${instance.id}/snapshots/${s2.id}`);
    assert.equal(del.status, 202);
    const { operation } = (await del.json()) as Json;
    await waitFor('the merge to start', 30_000, async () => /Merging/.test((await server.json('GET', `/operations/${operation.id}`)).message), 20);
    const pid = server.pid!;
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    process.kill(pid, 'SIGKILL');
    for (const child of children) {
      try {
        process.kill(Number(child), 'SIGKILL'); // the qemu-img it started (by pid: nothing else is touched)
      } catch {
        // already gone
      }
    }
    await waitFor('the killed server to go', 10_000, async () => !existsSync(`/proc/${pid}`));
    await server.spawn();

    assert.equal((await server.json('GET', `/operations/${operation.id}`)).state, 'failed');
    const consistent = async () => {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.qcow2'))) {
        const check = spawnSync('qemu-img', ['check', '-q', '-f', 'qcow2', join(dir, file)], { encoding: 'utf8' });
        assert.equal(check.status, 0, `${file}: ${check.stdout}${check.stderr}`);
      }
      const snaps = (await get(`/instances/${instance.id}/snapshots`)).items as Json[];
      const top = join(dir, activeFile(dir));
      const chain = (JSON.parse(execFileSync('qemu-img', ['info', '--backing-chain', '--output=json', top], { encoding: 'utf8' })) as Json[]).map((c) => String(c.filename).slice(dir.length + 1));
      assert.equal(chain.length, snaps.length + 1, `one file per snapshot plus the active one: ${chain.join(' ← ')} for ${snaps.map((s) => s.name).join(', ')}`);
      const read = spawnSync('qemu-io', ['-r', '-f', 'qcow2', '-c', `read -P 0xab 0 ${768 * MiB}`, top], { encoding: 'utf8' });
      assert.equal(read.status, 0, read.stderr);
      assert.doesNotMatch(read.stdout, /Pattern verification failed/, 'every byte written before the snapshots is still there');
      return snaps.map((s) => s.name);
    };
    const names = await consistent();
    assert.ok(JSON.stringify(names) === '["s1","s2","s3"]' || JSON.stringify(names) === '["s1","s3"]', `the tree matches the files: ${names.join(', ')}`);
    if (names.includes('s2')) {
      await server.call('GET', '/health').catch(() => undefined);
      const again = await server.call('DELETE', `/instances/${instance.id}/snapshots/${s2.id}`);
      assert.equal((await server.waitOperation(again)).state, 'succeeded');
    }
    assert.deepEqual(await consistent(), ['s1', 's3']);
  });

  test('a compaction: leaves the old disk, consistent and whole, no stray copy; compacting again completes', async () => {
    await server.call('GET', '/health').catch(() => undefined); // takes the keep-alive socket the server closed while the last test ran qemu-io
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
    await waitFor('qemu-img to die with the server', 10_000, async () => (await processesNaming(server.dataDir)).length === 0);

    await server.spawn();
    const op = await server.json('GET', `/operations/${operation.id}`);
    assert.deepEqual([op.state, op.errorCode], ['failed', 'interrupted']);
    // The host sweeps when it attaches, a moment after the server listens.
    await waitFor('the restarted host to remove the stray copy', 60_000, async () => !readdirSync(dir).some((f) => f.includes('.compact')));
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
