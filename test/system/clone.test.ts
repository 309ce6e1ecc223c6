/**
 * Clone through the real executable, a private libvirtd and qemu-img, in a lab (test/lab: the
 * first-run NAT network lives in the lab's host namespace, not the root one). A real TCG mini
 * guest writes a marker on its system disk and another on a data disk; it is cloned while it runs
 * (it keeps running, writes a later marker into its own files, and no temporary overlay stays),
 * then stopped and cloned again; each clone boots with both markers (the live one without the
 * later one), its system disk still a linked clone
 * of the image, a MAC and address of its own from the same network and address pool, and a seed
 * with its own instance-id and hostname. One guest at a time; domains cleaned up even on failure.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { MINI_GUEST_READY } from '../fixtures/mini-image.js';
import { createLab, labRequirements, type Lab } from '../lab/netns-lab.js';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { guestWord, uploadMiniImage } from './mini-guest.js';
import { OneboxServer, type Json } from './onebox-server.js';

/** A sector of the mini disk (64 MiB) past what the mini OS ever writes: the marker's place. */
const MARK_SECTOR = 120_000;
const MARK = 'CLONE-MARK-5521';
const DATA_MARK = 'CLONE-DATA-88';
/** Written by the source after its live clone was taken: the live clone must not see it. */
const LATE_MARK = 'CLONE-LATE-3107';

describe('clone a running and a stopped instance, in a lab', { skip: skipUnlessPresent(bundle(), ...labRequirements()), timeout: 1_200_000 }, () => {
  let lab: Lab;
  let libvirtd: PrivateQemuLibvirtd;
  let server: OneboxServer;
  let imageId = '';

  before(async () => {
    lab = await createLab('clone');
    libvirtd = await lab.startLibvirtd();
    server = await OneboxServer.start(['--host-netns', lab.hostNs], { socketPath: libvirtd.socketPath, uri: libvirtd.uri });
    await server.bootstrap({ create: true, subnet: `${lab.address(2, 0)}/24` });
    imageId = (await uploadMiniImage(server)).id;
  }, { timeout: 600_000 });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup().catch((err: unknown) => console.error(String(err)));
    await libvirtd?.stop();
    await lab?.close();
  });

  const act = async (id: string, action: string, expected = 200) => {
    const res = await server.call('POST', `/instances/${id}/actions/${action}`);
    assert.equal(res.status, expected, await res.clone().text());
    return res;
  };
  const guest = (id: string, key: string, command: string) => guestWord(server, id, key, command);
  const readMark = (id: string) => guest(id, 'MARK', `dd if=/dev/vda bs=512 skip=${MARK_SECTOR} count=1 2>/dev/null | head -c ${MARK.length}`);
  const readDataMark = (id: string) => guest(id, 'DMARK', `head -c ${DATA_MARK.length} /dev/vdb`);
  const readMac = (id: string) => guest(id, 'MAC', 'cat /sys/class/net/eth0/address');
  const readMeta = (id: string) => guest(id, 'META', "sed -n 's/^\\(instance-id\\|local-hostname\\): //p' /run/nocloud/meta-data");
  const bare = (mac: string) => mac.replaceAll(':', '');
  const boot = async (inst: Json) => {
    await server.waitConsole(inst.id, `ONEBOX-GUEST-IP ${inst.address}`, 1, 180_000);
    await server.waitConsole(inst.id, MINI_GUEST_READY, 1, 180_000);
  };

  test('the clone boots with the source disks, its own MAC, address, instance-id and hostname', async () => {
    const res = await server.call('POST', '/instances', {
      json: { name: 'source', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId }, dataDisks: [{ sizeGiB: 1 }], cloudInit: { userData: '#cloud-config\n' }, start: true },
    });
    assert.equal((await server.waitOperation(res)).state, 'succeeded');
    const src = await server.json('GET', '/instances/source');
    await boot(src);
    await guest(src.id, 'WROTE', `printf ${MARK} | dd of=/dev/vda bs=512 seek=${MARK_SECTOR} conv=notrunc 2>/dev/null; printf ${DATA_MARK} | dd of=/dev/vdb conv=notrunc 2>/dev/null; sync; echo done`);
    assert.equal(await readMark(src.id), MARK);
    const srcMac = await readMac(src.id);
    assert.equal(srcMac, bare(src.nics[0].mac), 'the guest sees the MAC onebox gave it');

    // Cloned while it runs: a temporary snapshot freezes the disks, the copy reads them, the overlays go back.
    const live = await server.call('POST', `/instances/${src.id}/actions/clone`, { json: { name: 'live-twin' } });
    assert.equal(live.status, 202, await live.clone().text());
    const liveOp = await server.waitOperation(live, 300_000);
    assert.equal(liveOp.state, 'succeeded', JSON.stringify(liveOp));
    assert.equal((await server.json('GET', `/instances/${src.id}`)).state, 'running', 'the source kept running');
    await guest(src.id, 'LATER', `printf ${LATE_MARK} | dd of=/dev/vda bs=512 seek=${MARK_SECTOR + 8} conv=notrunc 2>/dev/null; sync; echo done`);
    assert.equal(await readMark(src.id), MARK, 'the source still reads its disk after the overlay went back');
    assert.equal((await server.waitOperation(await act(src.id, 'stop', 202), 180_000)).state, 'succeeded');
    const srcDir = join(server.dataDir, 'instances', src.id);
    assert.deepEqual(readdirSync(srcDir).filter((f) => f.endsWith('.qcow2')).sort(), ['data-0.qcow2', 'system.qcow2'], 'no temporary overlay left');
    const srcInfo = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-f', 'qcow2', join(srcDir, 'system.qcow2')], { encoding: 'utf8' })) as Json;
    assert.match(srcInfo['backing-filename'] ?? '', new RegExp(`${imageId}\\.qcow2$`), 'the source sits on its image again');
    execFileSync('qemu-img', ['check', '-f', 'qcow2', join(srcDir, 'system.qcow2')]);
    const rawFile = join(server.dataDir, 'source-system.raw');
    execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', join(srcDir, 'system.qcow2'), rawFile]);
    const offset = (MARK_SECTOR + 8) * 512;
    const late = readFileSync(rawFile).subarray(offset, offset + LATE_MARK.length).toString();
    rmSync(rawFile);
    assert.equal(late, LATE_MARK, 'what the source wrote while the overlay was there was committed into its own file');

    const cloned = await server.call('POST', `/instances/${src.id}/actions/clone`, { json: { name: 'twin' } });
    assert.equal(cloned.status, 202, await cloned.clone().text());
    const op = await server.waitOperation(cloned, 300_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    const twin = await server.json('GET', '/instances/twin');
    assert.equal(twin.state, 'stopped');
    assert.notEqual(twin.nics[0].mac, src.nics[0].mac);
    assert.notEqual(twin.address, src.address);
    assert.equal(twin.nics[0].networkId, src.nics[0].networkId);
    const system = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', '-f', 'qcow2', join(server.dataDir, 'instances', twin.id, 'system.qcow2')], { encoding: 'utf8' })) as Json;
    assert.match(system['backing-filename'] ?? '', new RegExp(`${imageId}\\.qcow2$`), 'a linked clone of the image, like its source');

    await act(twin.id, 'start');
    await boot(twin);
    assert.equal(await readMark(twin.id), MARK, 'the clone sees the marker on its system disk');
    assert.equal(await readDataMark(twin.id), DATA_MARK, 'and on its data disk');
    const twinMac = await readMac(twin.id);
    assert.equal(twinMac, bare(twin.nics[0].mac));
    assert.notEqual(twinMac, srcMac, 'its MAC differs');
    assert.equal(await readMeta(twin.id), `"${twin.id}""twin"`, 'its own instance-id and hostname');
    await act(twin.id, 'force-stop');

    const liveTwin = await server.json('GET', '/instances/live-twin');
    assert.equal(liveTwin.state, 'stopped');
    assert.notEqual(liveTwin.address, src.address);
    await act(liveTwin.id, 'start');
    await boot(liveTwin);
    assert.equal(await readMark(liveTwin.id), MARK, 'the clone of the running source sees the marker on its system disk');
    assert.equal(await readDataMark(liveTwin.id), DATA_MARK, 'and on its data disk');
    assert.notEqual(await guest(liveTwin.id, 'LATE', `dd if=/dev/vda bs=512 skip=${MARK_SECTOR + 8} count=1 2>/dev/null | head -c ${LATE_MARK.length}`), LATE_MARK, 'but not what the source wrote after the clone');
    assert.equal(await readMac(liveTwin.id), bare(liveTwin.nics[0].mac));
    assert.equal(await readMeta(liveTwin.id), `"${liveTwin.id}""live-twin"`);
    await act(liveTwin.id, 'force-stop');
  });
});
