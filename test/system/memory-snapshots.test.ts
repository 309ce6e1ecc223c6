/**
 * Snapshots with memory of a real TCG mini guest through the real executable. A value lives only in
 * guest memory (a file in the initramfs root, which is RAM) and a marker on the disk: a memory
 * snapshot, both changed, a revert while running and one while stopped each bring the guest back
 * running with the old value and marker, its uptime continuing from the snapshot (no reboot); a
 * delete merges the disk (the newer marker stays) and removes the memory file; `qemu-img check` on
 * every file. Then onebox is killed with -9 while libvirt writes the memory: after the restart the
 * snapshot is either complete or gone, and no overlay or memory file of it stays. One guest.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { OneboxServer, waitFor, type Json } from './onebox-server.js';

/** The sector the disk markers go to: past the mini image's 64 MiB (vda is grown to 1 GiB first). */
const SECTOR = 200_000;

describe('memory snapshots of a real guest: take, revert running and stopped, delete, kill -9 mid-save', { skip: skipUnlessPresent(systemLibvirtd(), bundle()) }, () => {
  let server: OneboxServer;
  let inst: Json;
  before(async () => {
    const imagePath = await miniImagePath();
    server = await OneboxServer.start();
    await server.bootstrap();
    const image = await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    const res = await server.call('POST', '/instances', { json: { name: 'memsnap', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id, sizeGiB: 1 }, start: true } });
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
  let n = 0;
  /** Runs `command` on the serial console and returns what it printed after `KEY=` (idempotent commands only: it may be typed twice). */
  const guest = async (command: string) => {
    const key = `K${++n}`;
    const re = new RegExp(`${key}=([A-Za-z0-9.-]*)\\r?\\n`);
    const out = await server.serialRun(inst.id, `echo ${key}=$(${command})`, re, 90_000);
    const m = re.exec(out);
    assert.ok(m, `the guest printed no ${key}: ${out.slice(-500)}`);
    return m[1];
  };
  const setMemoryValue = async (v: string) => assert.equal(await guest(`echo ${v} > /memval; cat /memval`), v);
  const memoryValue = () => guest('cat /memval');
  const uptime = async () => Number((await guest('cut -d" " -f1 /proc/uptime')) || NaN);
  const writeMarker = async (marker: string) => assert.equal(await guest(`printf '%-512s' ${marker} | dd of=/dev/vda bs=512 seek=${SECTOR} conv=fsync 2>/dev/null; echo ok`), 'ok');
  const readMarker = () => guest(`echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda bs=512 skip=${SECTOR} count=1 2>/dev/null | tr -dc A-Za-z0-9`);
  const snapshots = async () => (await call('GET', '/snapshots')).body.items as Json[];
  /** qemu-img check on every disk file (-U: the guest runs). */
  const checkAll = () => {
    for (const file of readdirSync(dir()).filter((f) => f.endsWith('.qcow2'))) {
      const check = spawnSync('qemu-img', ['check', '-U', '-q', '-f', 'qcow2', join(dir(), file)], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${file}: ${check.stdout}${check.stderr}`);
    }
  };
  /** Every snapshot overlay and memory file in the directory belongs to a listed snapshot (or to the disks' current files). */
  const noStrayFiles = async () => {
    const listed = await snapshots();
    const qcow2 = readdirSync(dir()).filter((f) => f.endsWith('.qcow2'));
    const backingOf = (f: string) => String((JSON.parse(spawnSync('qemu-img', ['info', '-U', '--output=json', join(dir(), f)], { encoding: 'utf8' }).stdout) as Json)['backing-filename'] ?? '');
    const backings = new Set(qcow2.map((f) => backingOf(f).slice(backingOf(f).lastIndexOf('/') + 1)));
    const current = new Set(qcow2.filter((f) => !backings.has(f))); // the files the disks write to
    for (const file of readdirSync(dir())) {
      const id = /(snp_[a-z0-9]+)/.exec(file)?.[1];
      if (!id || current.has(file)) continue;
      assert.ok(listed.some((s) => s.id === id && (!file.startsWith('memory.') || s.memory === true)), `${file} belongs to no listed snapshot`);
    }
  };
  const revert = async (id: string) => {
    const { status, body } = await call('POST', `/snapshots/${id}/actions/revert`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal((await call('GET', '')).body.state, 'running', 'the guest resumed running');
  };

  let snap: Json;
  let uptimeAtSnapshot = 0;

  test('a memory snapshot, values changed, revert (running): the old value in memory and on disk, without a reboot', { timeout: 600_000 }, async () => {
    await setMemoryValue('before');
    await writeMarker('DISKBEFORE');
    const refused = await call('POST', '/snapshots', { name: 'nope', memory: 'yes' });
    assert.equal(refused.status, 400);
    // Read before, and nothing typed during the save: a half-typed line would be saved in the guest's tty with its memory.
    uptimeAtSnapshot = await uptime();
    const { status, res, body } = await call('POST', '/snapshots', { name: 'with-memory', description: 'memval=before', memory: true });
    assert.equal(status, 202, JSON.stringify(body));
    const op = await server.waitOperation(res);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    [snap] = await snapshots();
    assert.equal(snap.memory, true);
    assert.ok(snap.memorySizeBytes > 1024 * 1024, `the memory file has the guest's memory: ${snap.memorySizeBytes} bytes`);
    assert.ok(existsSync(join(dir(), `memory.${snap.id}.sav`)), 'the memory file sits beside the overlays');
    await setMemoryValue('after');
    await writeMarker('DISKAFTER');
    await new Promise((r) => setTimeout(r, 5000)); // let the guest's clock run on, so a continued uptime is told from the snapshot's
    const uptimeBeforeRevert = await uptime();
    await revert(snap.id);
    assert.equal(await memoryValue(), 'before', 'the value that lived only in memory is back');
    assert.equal(await readMarker(), 'DISKBEFORE');
    const up = await uptime();
    assert.ok(up >= uptimeAtSnapshot && up < uptimeBeforeRevert, `uptime continues from the snapshot (${uptimeAtSnapshot} s then, ${uptimeBeforeRevert} s before the revert, ${up} s now): no reboot`);
    checkAll();
  });

  test('refusals; revert while stopped resumes the guest running; delete merges the disk and removes the memory file', { timeout: 600_000 }, async () => {
    await setMemoryValue('again');
    assert.equal((await call('POST', '/actions/force-stop')).status, 200);
    const stopped = await call('POST', '/snapshots', { name: 'stopped', memory: true });
    assert.equal(stopped.status, 409);
    assert.equal(stopped.body.code, 'snapshot_memory_needs_running');
    await revert(snap.id);
    assert.equal(await memoryValue(), 'before');
    await writeMarker('DISKLAST');
    const del = await call('DELETE', `/snapshots/${snap.id}`);
    assert.equal(del.status, 202);
    assert.equal((await server.waitOperation(del.res)).state, 'succeeded');
    assert.deepEqual(await snapshots(), []);
    assert.ok(!existsSync(join(dir(), `memory.${snap.id}.sav`)), 'the memory file is deleted');
    assert.deepEqual(readdirSync(dir()).filter((f) => f.endsWith('.sav')), []);
    assert.equal(await readMarker(), 'DISKLAST', 'merging lost no byte');
    checkAll();
  });

  /** Takes a memory snapshot named `name`, kills onebox with -9 once `killWhen` says so, restarts it, and checks the outcome; returns it. */
  const killedTake = async (name: string, killWhen: () => Promise<boolean>) => {
    const { status, body } = await call('POST', '/snapshots', { name, memory: true });
    assert.equal(status, 202, JSON.stringify(body));
    await waitFor(`the moment to kill (${name})`, 60_000, killWhen, 5);
    const pid = server.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed server to go', 10_000, async () => !existsSync(`/proc/${pid}`));
    await server.spawn();
    assert.equal((await server.json('GET', `/operations/${(body.operation as Json).id}`)).state, 'failed');
    // The host's checks run once it attached, a moment after the server answers.
    await waitFor('the cut snapshot to be settled', 60_000, () => noStrayFiles().then(() => true, () => false), 250).catch(() => undefined);
    await noStrayFiles();
    const cut = (await snapshots()).find((s) => s.name === name);
    if (cut) assert.ok(existsSync(join(dir(), `memory.${cut.id}.sav`)) && cut.memory === true && cut.current === true && cut.memorySizeBytes > 0, 'a completed one is whole');
    const memoryFiles = readdirSync(dir()).filter((f) => f.endsWith('.sav')).sort();
    const listedMemory = (await snapshots()).filter((s) => s.memory === true).map((s) => `memory.${s.id}.sav`).sort();
    assert.deepEqual(memoryFiles, listedMemory, 'one memory file per listed memory snapshot: an undone one left none');
    await server.waitState(inst.id, 'running');
    assert.equal(await memoryValue(), 'before', 'the guest runs on');
    checkAll();
    return cut ? 'completed' : 'undone';
  };

  test('kill -9 while libvirt writes the memory, and right after the 202: after the restart each snapshot is complete or gone, nothing stray', { timeout: 600_000 }, async () => {
    // Memory full of random data, so the save takes a while.
    assert.equal(await guest('dd if=/dev/urandom of=/fill bs=1M count=48 2>/dev/null; echo ok'), 'ok');
    const saves = readdirSync(dir()).filter((f) => f.endsWith('.sav')).length;
    const midSave = await killedTake('cut-mid-save', async () => readdirSync(dir()).filter((f) => f.endsWith('.sav')).length > saves);
    const early = await killedTake('cut-early', async () => true);
    console.log(`# kill -9 mid-save: ${midSave}; kill -9 right after the 202: ${early}`);
  });
});
