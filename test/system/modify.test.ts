/**
 * Changing a running and a stopped instance on a real TCG guest through the real executable:
 * a vCPU plugged in live is seen (once onlined) by the mini guest, memory moves live through
 * its balloon driver, lowering vCPUs live either works or is a clean 409, and a stopped change
 * is what the guest sees at its next boot. libvirt's live and persistent XML are checked against
 * the API after every change.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { MINI_GUEST_READY } from '../fixtures/mini-image.js';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { bootMiniGuest, guestValue, uploadMiniImage } from './mini-guest.js';
import { OneboxServer, SYSTEM_LIBVIRT, waitFor, type Json } from './onebox-server.js';

const virsh = (...args: string[]) => spawnSync('virsh', ['-c', SYSTEM_LIBVIRT.uri, ...args], { encoding: 'utf8' }).stdout;
/** vCPUs and memory (MiB) of the running domain (meaningless when stopped) and of its definition, as libvirt says. */
function libvirtView(domain: string) {
  const count = (which: string) => Number(virsh('vcpucount', domain, which, '--current'));
  const memory = (xml: string) => Number(/<currentMemory unit='KiB'>(\d+)</.exec(xml)?.[1]) / 1024;
  return { liveVcpus: count('--live'), configVcpus: count('--config'), liveMemoryMiB: memory(virsh('dumpxml', domain)), configMemoryMiB: memory(virsh('dumpxml', '--inactive', domain)) };
}

describe('modify a real guest: live vCPU and memory, then stopped', { skip: skipUnlessPresent(systemLibvirtd(), bundle()) }, () => {
  let server: OneboxServer;
  let inst: Json;
  before(async () => {
    server = await OneboxServer.start();
    await server.bootstrap();
    const image = await uploadMiniImage(server);
    inst = await bootMiniGuest(server, { name: 'resize', maxCores: 2, maxMemoryMiB: 256, disk: { source: 'image', imageId: image.id } });
  }, { timeout: 600_000 });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  const patch = async (body: Json) => {
    const res = await server.call('PATCH', `/instances/${inst.id}`, { json: body });
    return { status: res.status, body: (await res.json()) as Json };
  };
  /** Runs a shell line on the guest's serial console and returns the number it printed after `KEY=`. */
  const guestNumber = async (key: string, command: string) => Number(await guestValue(server, inst.id, key, command, '\\d+', 60_000));
  const cpus = () => guestNumber('CPUS', 'grep -c ^processor /proc/cpuinfo');
  const memTotalKiB = () => guestNumber('MEMKIB', "awk '/MemTotal/{print $2}' /proc/meminfo");
  let bootMemKiB = 0;

  test('running: cores 1 → 2 is plugged in live and the guest sees 2 CPUs once it onlines the new one', async () => {
    assert.equal(await cpus(), 1);
    bootMemKiB = await memTotalKiB();
    const { status, body } = await patch({ cores: 2 });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual([body.cores, body.maxCores, body.state], [2, 2, 'running']);
    assert.deepEqual(libvirtView(inst.domainName), { liveVcpus: 2, configVcpus: 2, liveMemoryMiB: 128, configMemoryMiB: 128 });
    // busybox has no udev to online a hot-added CPU; the kernel has it as cpu1.
    await server.serialRun(inst.id, 'echo 1 > /sys/devices/system/cpu/cpu1/online; echo ONLINE=$(cat /sys/devices/system/cpu/cpu1/online)', /ONLINE=1\r?\n/);
    assert.equal(await cpus(), 2);
  });

  test('running: memory 128 → 224 MiB through the balloon; libvirt and the guest follow', async () => {
    const { status, body } = await patch({ memoryMiB: 224 });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual([body.memoryMiB, body.maxMemoryMiB], [224, 256]);
    await waitFor('the balloon to reach 224 MiB', 30_000, async () => libvirtView(inst.domainName).liveMemoryMiB === 224);
    assert.equal(libvirtView(inst.domainName).configMemoryMiB, 224);
    const grown = (await memTotalKiB()) - bootMemKiB;
    assert.ok(Math.abs(grown - 96 * 1024) <= 4 * 1024, `the guest's MemTotal grew by ${grown} KiB, not ~96 MiB`);
  });

  test('running: above the maximums is 409 instance_must_be_stopped and changes nothing', async () => {
    for (const change of [{ cores: 3 }, { memoryMiB: 512 }]) {
      const { status, body } = await patch(change);
      assert.deepEqual([status, body.code], [409, 'instance_must_be_stopped'], JSON.stringify(body));
    }
    assert.deepEqual(libvirtView(inst.domainName), { liveVcpus: 2, configVcpus: 2, liveMemoryMiB: 224, configMemoryMiB: 224 });
  });

  test('running: lowering cores live is done, or refused with 409 resource_change_refused leaving everything as it was', async () => {
    const { status, body } = await patch({ cores: 1 });
    const view = libvirtView(inst.domainName);
    if (status === 200) {
      assert.equal(body.cores, 1);
      assert.deepEqual([view.liveVcpus, view.configVcpus], [1, 1]);
      assert.equal(await cpus(), 1);
    } else {
      assert.deepEqual([status, body.code], [409, 'resource_change_refused'], JSON.stringify(body));
      assert.equal((await server.json('GET', `/instances/${inst.id}`)).cores, 2);
      assert.deepEqual([view.liveVcpus, view.configVcpus], [2, 2]);
    }
    console.log(`lowering vCPUs live on the mini guest: ${status} ${body.code ?? ''} ${body.detail ?? ''}`);
  });

  test('stopped: cores 1 and memory 192 MiB; after a start the guest sees them', async () => {
    const stop = await server.call('POST', `/instances/${inst.id}/actions/stop`);
    assert.equal((await server.waitOperation(stop)).state, 'succeeded');
    const { status, body } = await patch({ cores: 1, memoryMiB: 192 });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual([body.cores, body.maxCores, body.memoryMiB, body.maxMemoryMiB, body.state], [1, 2, 192, 256, 'stopped']);
    const defined = libvirtView(inst.domainName);
    assert.deepEqual([defined.configVcpus, defined.configMemoryMiB], [1, 192], 'the definition follows while stopped');
    const start = await server.call('POST', `/instances/${inst.id}/actions/start`);
    assert.equal(start.status, 200, await start.clone().text());
    await server.waitConsole(inst.id, MINI_GUEST_READY);
    assert.equal(await cpus(), 1);
    await waitFor('the balloon to hold 192 MiB', 30_000, async () => libvirtView(inst.domainName).liveMemoryMiB === 192);
    assert.equal(libvirtView(inst.domainName).liveVcpus, 1);
    const grown = (await memTotalKiB()) - bootMemKiB;
    assert.ok(Math.abs(grown - 64 * 1024) <= 4 * 1024, `the guest's MemTotal is ${grown} KiB above its first boot's, not ~64 MiB`);
  });
});
