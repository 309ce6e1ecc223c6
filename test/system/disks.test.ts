/**
 * An instance's disks on a real TCG mini guest through the real executable: running, the system
 * disk grows online (the guest's /sys/block/vda/size follows), two data disks are hot-plugged (vdb
 * and vdc appear with their sizes) and hot-unplugged (gone in the guest, volumes gone on the host);
 * stopped, a disk is added and grown and the guest sees both sizes after the next boot.
 * `qemu-img check` passes on every disk at the end. One guest; domains cleaned up even on failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MINI_GUEST_READY } from '../fixtures/mini-image.js';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { bootMiniGuest, callInstance, guestValue, uploadMiniImage } from './mini-guest.js';
import { OneboxServer, SYSTEM_LIBVIRT, type Json } from './onebox-server.js';

const GiB = 1024 ** 3;
const virsh = (...args: string[]) => spawnSync('virsh', ['-c', SYSTEM_LIBVIRT.uri, ...args], { encoding: 'utf8' }).stdout;
/** Virtio disk targets of the domain, live or in its definition, as libvirt says. */
const targets = (domain: string, inactive = false) => [...virsh('dumpxml', ...(inactive ? ['--inactive'] : []), domain).matchAll(/<target dev='(vd[a-z]+)'/g)].map((m) => m[1]);

describe('disks of a real guest: grow online, hot-plug and unplug, then stopped', { skip: skipUnlessPresent(systemLibvirtd(), bundle()) }, () => {
  let server: OneboxServer;
  let inst: Json;
  before(async () => {
    server = await OneboxServer.start();
    await server.bootstrap();
    const image = await uploadMiniImage(server);
    inst = await bootMiniGuest(server, { name: 'disks', disk: { source: 'image', imageId: image.id } });
  }, { timeout: 600_000 });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  const volume = (file: string) => join(server.dataDir, 'instances', inst.id, file);
  const call = (method: string, path: string, body?: Json) => callInstance(server, inst.id, method, path, body);
  /** Runs a shell line on the guest's serial console and returns the number it printed after `KEY=`. */
  const guestNumber = async (key: string, command: string) => Number(await guestValue(server, inst.id, key, command, '-?\\d+', 60_000));
  /** Bytes the guest sees on a disk, -1 when it has no such disk. */
  const guestBytes = async (dev: string) => {
    const sectors = await guestNumber(`SIZE_${dev}`, `cat /sys/block/${dev}/size 2>/dev/null || echo -1`);
    return sectors < 0 ? -1 : sectors * 512;
  };
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  test('running: the system disk grows online and the guest sees the new size', async () => {
    const before = await guestBytes('vda');
    assert.ok(before > 0 && before < GiB, `the mini image's disk: ${before}`);
    const { status, body } = await call('PATCH', '/disks/system', { sizeGiB: 1 });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.virtualSizeBytes, GiB);
    await until('the guest to see vda at 1 GiB', async () => (await guestBytes('vda')) === GiB);
  });

  test('running: two data disks are hot-plugged (vdb and vdc with their sizes), then hot-unplugged and their volumes deleted', async () => {
    for (const [sizeGiB, device] of [[2, 'vdb'], [3, 'vdc']] as const) {
      const added = await call('POST', '/disks', { sizeGiB });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      assert.equal(added.body.device, device);
    }
    assert.deepEqual(targets(inst.domainName), ['vda', 'vdb', 'vdc']);
    assert.deepEqual(targets(inst.domainName, true), ['vda', 'vdb', 'vdc']);
    await until('the guest to see vdb', async () => (await guestBytes('vdb')) === 2 * GiB);
    await until('the guest to see vdc', async () => (await guestBytes('vdc')) === 3 * GiB);
    assert.ok(existsSync(volume('data-0.qcow2')) && existsSync(volume('data-1.qcow2')));
    for (const [id, device] of [['data-0', 'vdb'], ['data-1', 'vdc']]) {
      const removed = await call('DELETE', `/disks/${id}`);
      assert.equal(removed.status, 204, `the mini guest let go of ${device}: ${JSON.stringify(removed.body)}`);
      assert.equal(await guestBytes(device), -1, `${device} is gone in the guest`);
      assert.equal(existsSync(volume(`${id}.qcow2`)), false, `the volume of ${device} is deleted on the host`);
    }
    assert.deepEqual(targets(inst.domainName), ['vda']);
    assert.deepEqual(targets(inst.domainName, true), ['vda']);
  });

  test('stopped: a disk added and grown, the system disk grown; after a start the guest sees both sizes', async () => {
    const stop = await server.call('POST', `/instances/${inst.id}/actions/force-stop`);
    assert.equal(stop.status, 200, await stop.clone().text());
    const added = await call('POST', '/disks', { sizeGiB: 1 });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal((await call('PATCH', '/disks/data-0', { sizeGiB: 3 })).status, 200);
    assert.equal((await call('PATCH', '/disks/system', { sizeGiB: 2 })).status, 200);
    const listed = (await call('GET', '/disks')).body.items as Json[];
    assert.deepEqual(listed.map((d) => [d.id, d.device, d.virtualSizeBytes]), [['system', 'vda', 2 * GiB], ['data-0', 'vdb', 3 * GiB]]);
    assert.ok(listed.every((d) => d.actualSizeBytes > 0 && d.actualSizeBytes < d.virtualSizeBytes), JSON.stringify(listed));
    const start = await server.call('POST', `/instances/${inst.id}/actions/start`);
    assert.equal(start.status, 200, await start.clone().text());
    await server.waitConsole(inst.id, MINI_GUEST_READY);
    assert.equal(await guestBytes('vda'), 2 * GiB);
    assert.equal(await guestBytes('vdb'), 3 * GiB);
  });

  test('qemu-img check passes on every disk', async () => {
    const stop = await server.call('POST', `/instances/${inst.id}/actions/force-stop`);
    assert.equal(stop.status, 200, await stop.clone().text());
    for (const file of ['system.qcow2', 'data-0.qcow2']) {
      const check = spawnSync('qemu-img', ['check', '-f', 'qcow2', volume(file)], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${file}: ${check.stdout}${check.stderr}`);
    }
  });
});
