/**
 * A disk-only snapshot reverted after an offline cores/memory change, on a real TCG mini guest
 * through the real executable: a snapshot records the disks, not the instance's settings, so the
 * revert brings the disk back (the guest reads the marker written before the snapshot, not the one
 * written after) while the cores and memory set after it stay — in the API and in the guest, which
 * boots with them. A snapshot with memory reverted after such a change cannot resume the saved RAM
 * into other cores and memory: a clean 409 snapshot_restore_failed, the disks back at the snapshot,
 * the instance stopped and booting with its current settings. One guest; domains cleaned up even
 * on failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { bootMiniGuest, callInstance, guestValue, uploadMiniImage } from './mini-guest.js';
import { OneboxServer, type Json } from './onebox-server.js';

/** The sector the markers go to: past the mini image's 64 MiB (the disk is grown to 1 GiB first). */
const SECTOR = 200_000;

describe('snapshot revert after an offline cores/memory change', { skip: skipUnlessPresent(systemLibvirtd(), bundle()) }, () => {
  let server: OneboxServer;
  let inst: Json;
  before(async () => {
    server = await OneboxServer.start();
    await server.bootstrap();
    const image = await uploadMiniImage(server);
    inst = await bootMiniGuest(server, { name: 'snapres', disk: { source: 'image', imageId: image.id } });
  }, { timeout: 600_000 });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  const ok = async (method: string, path: string, body?: Json, status = 200) => {
    const answer = await callInstance(server, inst.id, method, path, body);
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    return answer.body;
  };
  let n = 0;
  /** Runs `command` in the guest's shell (typed again until the shell answers: also the wait for a boot) and returns what it printed (one word). */
  const guest = (command: string) => guestValue(server, inst.id, `K${++n}`, command, '[A-Za-z0-9-]*', 240_000);
  const writeMarker = async (marker: string) => {
    assert.equal(await guest(`printf '%-512s' ${marker} | dd of=/dev/vda bs=512 seek=${SECTOR} conv=fsync 2>/dev/null; sync; echo ok`), 'ok');
  };
  const readMarker = () => guest(`echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda bs=512 skip=${SECTOR} count=1 2>/dev/null | tr -dc A-Za-z0-9`);

  test('stopped snapshot, PATCH cores 1→2 and memory 128→192 MiB, revert: the disk comes back, the new resources stay, the guest boots with them', { timeout: 900_000 }, async () => {
    await ok('PATCH', '/disks/system', { sizeGiB: 1 });
    await writeMarker('BEFORESNAP');
    await ok('POST', '/actions/force-stop');
    const snap = await ok('POST', '/snapshots', { name: 'one-core' }, 201);

    const changed = await ok('PATCH', '', { cores: 2, memoryMiB: 192 });
    assert.deepEqual([changed.cores, changed.memoryMiB], [2, 192]);
    await ok('POST', '/actions/start');
    await writeMarker('AFTERSNAP');
    await ok('POST', '/actions/force-stop');

    const reverted = await ok('POST', `/snapshots/${snap.id}/actions/revert`);
    assert.deepEqual([reverted.name, reverted.current], ['one-core', true]);
    const shown = await ok('GET', '');
    assert.deepEqual([shown.state, shown.cores, shown.memoryMiB], ['stopped', 2, 192], 'the revert keeps the cores and memory set after the snapshot');

    await ok('POST', '/actions/start');
    assert.equal(await readMarker(), 'BEFORESNAP', "the disk is the snapshot's");
    assert.equal(await guest('grep -c ^processor /proc/cpuinfo'), '2');
    const memKiB = Number(await guest("awk '/^MemTotal/ {print $2}' /proc/meminfo"));
    // MemTotal is what is left after the kernel's own reservations: above 128 MiB only with the new 192 MiB.
    assert.ok(memKiB > 128 * 1024 && memKiB <= 192 * 1024, `the guest has ${memKiB} KiB: not more than 128 MiB and at most 192 MiB`);
  });

  test('with memory: after a stopped cores/memory change the saved RAM cannot resume: 409 snapshot_restore_failed, disks reverted, boots with the current settings', { timeout: 900_000 }, async () => {
    await writeMarker('MEMSNAP');
    const res = await server.call('POST', `/instances/${inst.id}/snapshots`, { json: { name: 'with-ram', memory: true } });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal((await server.waitOperation(res, 300_000)).state, 'succeeded');
    const snap = await ok('GET', '/snapshots/with-ram');
    await writeMarker('AFTERMEM');
    await ok('POST', '/actions/force-stop');
    await ok('PATCH', '', { cores: 1, memoryMiB: 128 });

    const refused = await callInstance(server, inst.id, 'POST', `/snapshots/${snap.id}/actions/revert`);
    assert.deepEqual([refused.status, refused.body.code], [409, 'snapshot_restore_failed'], JSON.stringify(refused.body));
    const shown = await ok('GET', '');
    assert.deepEqual([shown.state, shown.cores, shown.memoryMiB], ['stopped', 1, 128]);
    assert.equal((await ok('GET', '/snapshots/with-ram')).current, true);

    await ok('POST', '/actions/start');
    assert.equal(await readMarker(), 'MEMSNAP', "the disk is the snapshot's");
    assert.equal(await guest('grep -c ^processor /proc/cpuinfo'), '1');
  });
});
