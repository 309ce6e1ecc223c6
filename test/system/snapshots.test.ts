/**
 * Snapshots of a real TCG mini guest through the real executable. Markers are written straight to
 * the guest's system disk (a sector past the mini image's 64 MiB, after growing vda to 1 GiB; the
 * guest runs from its initramfs, so nothing mounts that area) and synced: live snapshots, a revert
 * that boots on the first marker, and a three-deep chain whose snapshots are deleted in each
 * position (middle, top/current, bottom) once with the guest running (block commit, block pull) and
 * once stopped (qemu-img rebase), the guest's marker and `qemu-img check` on every file each time.
 * One guest; domains cleaned up even on failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { OneboxServer, type Json } from './onebox-server.js';

/** The sector the markers go to: past the mini image's 64 MiB. */
const SECTOR = 200_000;

describe('snapshots of a real guest: live take, revert, delete in every position running and stopped', { skip: skipUnlessPresent(systemLibvirtd(), bundle()) }, () => {
  let server: OneboxServer;
  let inst: Json;
  before(async () => {
    const imagePath = await miniImagePath();
    server = await OneboxServer.start();
    await server.bootstrap();
    const image = await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    const res = await server.call('POST', '/instances', { json: { name: 'snaps', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id }, start: true } });
    inst = ((await res.clone().json()) as Json).instance;
    assert.equal((await server.waitOperation(res)).state, 'succeeded');
    await server.waitConsole(inst.id, MINI_GUEST_READY);
  }, { timeout: 600_000 });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  const dir = () => join(server.dataDir, 'instances', inst.id);
  const call = async (method: string, path: string, body?: Json) => {
    const res = await server.call(method, `/instances/${inst.id}${path}`, body ? { json: body } : {});
    return { status: res.status, res, body: res.status === 204 ? {} : ((await res.clone().json()) as Json) };
  };
  const guest = async (command: string, key: string) => {
    const re = new RegExp(`${key}=([A-Za-z0-9-]*)\\r?\\n`);
    const out = await server.serialRun(inst.id, `echo ${key}=$(${command})`, re, 90_000);
    const m = re.exec(out);
    assert.ok(m, `the guest printed no ${key}: ${out.slice(-500)}`);
    return m[1];
  };
  let n = 0;
  /** Writes a new marker to the disk, synced, and returns it. */
  const writeMarker = async () => {
    const marker = `MARK${++n}x${Date.now() % 100000}`;
    const done = await guest(`printf '%-512s' ${marker} | dd of=/dev/vda bs=512 seek=${SECTOR} conv=fsync 2>/dev/null; sync; echo ok`, `W${n}`);
    assert.equal(done, 'ok');
    return marker;
  };
  /** The marker the guest reads from its disk (page cache dropped first). */
  const readMarker = () => guest(`echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda bs=512 skip=${SECTOR} count=1 2>/dev/null | tr -dc A-Za-z0-9`, `R${++n}`);
  const take = async (name: string) => {
    const { status, body } = await call('POST', '/snapshots', { name });
    assert.equal(status, 201, JSON.stringify(body));
    return body;
  };
  const remove = async (id: string) => {
    const { status, res } = await call('DELETE', `/snapshots/${id}`);
    assert.equal(status, 202);
    const op = await server.waitOperation(res);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
  };
  const power = async (action: string) => {
    const { status, body } = await call('POST', `/actions/${action}`);
    assert.equal(status, 200, JSON.stringify(body));
  };
  /** qemu-img check on every disk file of the instance (-U: the guest may be running). */
  const checkAll = () => {
    const files = readdirSync(dir()).filter((f) => f.endsWith('.qcow2'));
    for (const file of files) {
      const check = spawnSync('qemu-img', ['check', '-U', '-q', '-f', 'qcow2', join(dir(), file)], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${file}: ${check.stdout}${check.stderr}`);
    }
    return files;
  };
  const tree = async () => ((await call('GET', '/snapshots')).body.items as Json[]).map((s) => `${s.name}${s.current ? '*' : ''}`);

  test('live snapshots, a changed marker, revert (stopped) to the first: after boot the guest reads the first marker', { timeout: 600_000 }, async () => {
    assert.equal((await call('PATCH', '/disks/system', { sizeGiB: 1 })).status, 200);
    const first = await writeMarker();
    const s1 = await take('first');
    const second = await writeMarker();
    assert.equal(await readMarker(), second);
    await take('second');
    assert.deepEqual(await tree(), ['first', 'second*']);
    checkAll();
    await power('force-stop');
    const { status, body } = await call('POST', `/snapshots/${s1.id}/actions/revert`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(await tree(), ['first*', 'second']);
    await power('start');
    await server.waitConsole(inst.id, MINI_GUEST_READY);
    assert.equal(await readMarker(), first);
    // Clean slate for the chains: the branch 'second', then 'first' (current, merged into the disk).
    assert.equal(body.id, s1.id);
    await remove((await call('GET', '/snapshots/second')).body.id);
    await remove(s1.id);
    assert.deepEqual(await tree(), []);
    assert.equal(await readMarker(), first);
    checkAll();
  });

  const chainRound = async (label: string, running: boolean) => {
    const a = await take(`${label}-1`);
    await writeMarker();
    const b = await take(`${label}-2`);
    await writeMarker();
    const c = await take(`${label}-3`);
    const last = await writeMarker();
    assert.deepEqual(await tree(), [`${label}-1`, `${label}-2`, `${label}-3*`]);
    if (!running) await power('force-stop');
    const steps: [string, Json][] = [['middle', b], ['top (current)', c], ['bottom', a]];
    for (const [position, snap] of steps) {
      await remove(snap.id);
      const files = checkAll();
      if (running) assert.equal(await readMarker(), last, `running, after deleting the ${position} snapshot`);
      assert.ok(files.length >= 1, position);
    }
    assert.deepEqual(await tree(), []);
    assert.deepEqual(checkAll().length, 1, 'one file left: the disk, on the image');
    if (!running) {
      await power('start');
      await server.waitConsole(inst.id, MINI_GUEST_READY);
      assert.equal(await readMarker(), last, 'stopped round: the guest boots on its last data');
    }
  };

  test('a three-deep chain, running: delete the middle (block commit), the top (block pull), the bottom; the marker stays', { timeout: 600_000 }, async () => {
    await chainRound('run', true);
  });

  test('a three-deep chain, stopped: delete the middle, the top, the bottom (qemu-img rebase); the guest boots on its last marker', { timeout: 600_000 }, async () => {
    await chainRound('stop', false);
  });

  test('the files left pass qemu-img check and the instance deletes cleanly', async () => {
    await power('force-stop');
    checkAll();
    const { status, res } = await server.call('DELETE', `/instances/${inst.id}`).then(async (r) => ({ status: r.status, res: r }));
    assert.equal(status, 202);
    assert.equal((await server.waitOperation(res)).state, 'succeeded');
  });
});
