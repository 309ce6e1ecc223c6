/**
 * Images from instances, system disk reset and disk compaction through the real executable,
 * real libvirtd and qemu-img:
 * - kill -9 in the middle of a build (a 512 MiB disk of random data): after the restart no
 *   image row or file is left, the host's scratch space is empty and the instance is free;
 * - on a real TCG mini guest: a marker written to the system disk survives into an image and
 *   a new instance booted from it; a reset of the first instance's system disk drops the marker,
 *   keeps a data disk's content and gives cloud-init a new instance-id (the guest reads it from
 *   the seed); compacting both disks keeps the data and `qemu-img check` passes.
 * One guest at a time; domains cleaned up even on failure.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { MINI_GUEST_READY } from '../fixtures/mini-image.js';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { guestWord, uploadMiniImage } from './mini-guest.js';
import { OneboxServer, waitFor, type Json } from './onebox-server.js';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A sector of the mini disk (64 MiB) past what the mini OS ever writes: the marker's place. */
const MARK_SECTOR = 120_000;
const MARK = 'IMG-MARK-7731';
const DATA_MARK = 'DATA-MARK-42';

describe('image from an instance, system disk reset, compaction', { skip: skipUnlessPresent(systemLibvirtd(), bundle()), timeout: 1_500_000 }, () => {
  let server: OneboxServer;
  let dir = '';
  let mini: Json;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onebox-build-'));
    server = await OneboxServer.start();
    await server.bootstrap();
    mini = await uploadMiniImage(server);
  }, { timeout: 600_000 });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const upload = (name: string, path: string) => server.json('POST', `/images?name=${name}`, { body: Readable.toWeb(createReadStream(path)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
  const create = async (body: Json) => {
    const res = await server.call('POST', '/instances', { json: { cores: 1, memoryMiB: 128, ...body } });
    const { instance } = (await res.clone().json()) as Json;
    assert.equal((await server.waitOperation(res)).state, 'succeeded');
    return instance as Json;
  };
  const act = async (id: string, action: string, expected = 200) => {
    const res = await server.call('POST', `/instances/${id}/actions/${action}`);
    assert.equal(res.status, expected, await res.clone().text());
    return res;
  };
  const stop = async (id: string) => assert.equal((await server.waitOperation(await act(id, 'stop', 202), 180_000)).state, 'succeeded');
  const guest = (id: string, key: string, command: string) => guestWord(server, id, key, command);
  const readMark = (id: string) => guest(id, 'MARK', `dd if=/dev/vda bs=512 skip=${MARK_SECTOR} count=1 2>/dev/null | head -c ${MARK.length}`);
  const readDataMark = (id: string) => guest(id, 'DMARK', `head -c ${DATA_MARK.length} /dev/vdb`);
  const readInstanceId = (id: string) => guest(id, 'IID', "sed -n 's/^instance-id: //p' /run/nocloud/meta-data");
  const qemuImgCheck = (path: string) => {
    const check = spawnSync('qemu-img', ['check', '-f', 'qcow2', path], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${path}: ${check.stdout}${check.stderr}`);
  };

  test('kill -9 during a build: after the restart no image row or file, no scratch file, the instance is free', async () => {
    const raw = join(dir, 'big.raw');
    // Asynchronously: a blocked event loop keeps undici from noticing the server closed an idle
    // keep-alive socket meanwhile, and the next request then dies with 'other side closed'.
    await execFileAsync('dd', ['if=/dev/urandom', `of=${raw}`, 'bs=1M', 'count=512', 'status=none']);
    const big = await upload('big', raw);
    const inst = await create({ name: 'big', disk: { source: 'image', imageId: big.id } });
    const res = await server.call('POST', `/instances/${inst.id}/actions/create-image`, { json: { name: 'cut-off' } });
    assert.equal(res.status, 202, await res.clone().text());
    const { operation } = (await res.json()) as Json;
    await waitFor('the build to be under way', 60_000, async () => (await server.json('GET', `/operations/${operation.id}`)).progress > 0, 20);
    assert.equal((await server.call('PATCH', `/instances/${inst.id}`, { json: { description: 'busy?' } })).status, 409);
    const pid = server.pid!;
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((s) => s.trim()).filter(Boolean);
    process.kill(pid, 'SIGKILL');
    for (const child of children) {
      try {
        process.kill(Number(child), 'SIGKILL'); // the qemu-img it started, by pid
      } catch {
        // already gone
      }
    }
    await waitFor('the killed server to go', 10_000, async () => !existsSync(`/proc/${pid}`));
    assert.ok(readdirSync(join(server.dataDir, 'tmp')).some((n) => n.startsWith('bld_')), 'the kill left a half-built file (else this test proves nothing)');
    await server.spawn();

    assert.equal((await server.json('GET', `/operations/${operation.id}`)).state, 'failed');
    assert.equal((await server.call('GET', `/images/${operation.targetId}`)).status, 404);
    assert.deepEqual(((await server.json('GET', '/images')).items as Json[]).map((i) => i.name).sort(), ['big', 'mini']);
    assert.deepEqual(readdirSync(join(server.dataDir, 'images')).sort(), [`${big.id}.raw`, `${mini.id}.qcow2`].sort(), 'no stray file in the library');
    await waitFor('the host to sweep its scratch space', 30_000, async () => !readdirSync(join(server.dataDir, 'tmp')).some((n) => n.startsWith('bld_')));
    const patched = await server.call('PATCH', `/instances/${inst.id}`, { json: { description: 'free again' } });
    assert.equal(patched.status, 200, await patched.clone().text());
    const del = await server.call('DELETE', `/instances/${inst.id}`);
    assert.equal((await server.waitOperation(del)).state, 'succeeded');
  });

  test('a guest: marker into an image, a new instance boots it; reset drops the marker, keeps the data disk, new instance-id; compaction keeps the data', async () => {
    const a = await create({ name: 'origin', disk: { source: 'image', imageId: mini.id }, dataDisks: [{ sizeGiB: 1 }], cloudInit: { userData: '#cloud-config\n' }, start: true });
    await server.waitConsole(a.id, MINI_GUEST_READY);
    assert.equal(await readInstanceId(a.id), `"${a.id}"`);
    await guest(a.id, 'WROTE', `printf ${MARK} | dd of=/dev/vda bs=512 seek=${MARK_SECTOR} conv=notrunc 2>/dev/null; printf ${DATA_MARK} | dd of=/dev/vdb conv=notrunc 2>/dev/null; sync; echo done`);
    assert.equal(await readMark(a.id), MARK);
    await stop(a.id);

    // Image from the stopped instance: self-contained, compressed qcow2; a new instance from it sees the marker.
    const built = await server.call('POST', `/instances/${a.id}/actions/create-image`, { json: { name: 'from-origin', description: 'marker inside', osType: 'mini' } });
    assert.equal(built.status, 202, await built.clone().text());
    const op = await server.waitOperation(built, 300_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    const image = await server.json('GET', `/images/${op.targetId}`);
    assert.deepEqual([image.name, image.os, image.format], ['from-origin', 'mini', 'qcow2']);
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-f', 'qcow2', join(server.dataDir, 'images', `${image.id}.qcow2`)], { encoding: 'utf8' })) as Json;
    assert.equal(info['backing-filename'], undefined, 'flattened');
    qemuImgCheck(join(server.dataDir, 'images', `${image.id}.qcow2`));
    const b = await create({ name: 'copy', disk: { source: 'image', imageId: image.id }, start: true });
    await server.waitConsole(b.id, MINI_GUEST_READY);
    assert.equal(await readMark(b.id), MARK, 'the new instance sees the marker');
    await act(b.id, 'force-stop');
    const delB = await server.call('DELETE', `/instances/${b.id}`);
    assert.equal((await server.waitOperation(delB)).state, 'succeeded');

    // Reset the first instance's system disk: the marker is gone, the data disk keeps its content, cloud-init sees a new instance.
    const reset = await act(a.id, 'reset-system-disk', 202);
    assert.equal((await server.waitOperation(reset, 120_000)).state, 'succeeded');
    await act(a.id, 'start');
    await server.waitConsole(a.id, MINI_GUEST_READY); // the log starts afresh at each boot
    assert.equal(await readMark(a.id), '', 'the marker went with the old system disk');
    assert.equal(await readDataMark(a.id), DATA_MARK, 'the data disk is untouched');
    assert.equal(await readInstanceId(a.id), `"${a.id}-r1"`, 'a new cloud-init instance-id');
    await guest(a.id, 'WROTE', `printf ${MARK} | dd of=/dev/vda bs=512 seek=${MARK_SECTOR} conv=notrunc 2>/dev/null; sync; echo done`);
    await stop(a.id);

    // Compact both disks: sizes reported, qemu-img check passes, the guest still reads its data.
    for (const disk of ['system', 'data-0']) {
      const res = await server.call('POST', `/instances/${a.id}/disks/${disk}/actions/compact`);
      assert.equal(res.status, 202, await res.clone().text());
      const done = await server.waitOperation(res, 300_000);
      assert.equal(done.state, 'succeeded', JSON.stringify(done));
      assert.match(done.message, /compacted: \d+ → \d+ bytes/);
      qemuImgCheck(join(server.dataDir, 'instances', a.id, `${disk}.qcow2`));
    }
    const system = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', '-f', 'qcow2', join(server.dataDir, 'instances', a.id, 'system.qcow2')], { encoding: 'utf8' })) as Json;
    assert.match(system['backing-filename'] ?? '', new RegExp(`${mini.id}\\.qcow2$`), 'the compacted system disk keeps its backing image');
    await act(a.id, 'start');
    await server.waitConsole(a.id, MINI_GUEST_READY);
    assert.equal(await readMark(a.id), MARK);
    assert.equal(await readDataMark(a.id), DATA_MARK);
    await act(a.id, 'force-stop');
  });
});
