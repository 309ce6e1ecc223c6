/**
 * Clone through the real executable, a private libvirtd and qemu-img, in a lab (test/lab: the
 * first-run NAT network lives in the lab's host namespace, not the root one). A real TCG mini
 * guest writes a marker on its system disk and another on a data disk and is stopped; the clone
 * (refused while the source runs) boots with both markers, its system disk still a linked clone
 * of the image, a MAC and address of its own from the same network and address pool, and a seed
 * with its own instance-id and hostname. One guest at a time; domains cleaned up even on failure.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { createLab, labRequirements, type Lab } from '../lab/netns-lab.js';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { OneboxServer, type Json } from './onebox-server.js';

/** A sector of the mini disk (64 MiB) past what the mini OS ever writes: the marker's place. */
const MARK_SECTOR = 120_000;
const MARK = 'CLONE-MARK-5521';
const DATA_MARK = 'CLONE-DATA-88';

describe('clone a stopped instance, in a lab', { skip: skipUnlessPresent(bundle(), ...labRequirements()), timeout: 1_200_000 }, () => {
  let lab: Lab;
  let libvirtd: PrivateQemuLibvirtd;
  let server: OneboxServer;
  let imageId = '';

  before(async () => {
    const image = await miniImagePath();
    lab = await createLab('clone');
    libvirtd = await lab.startLibvirtd();
    server = await OneboxServer.start(['--host-netns', lab.hostNs], { socketPath: libvirtd.socketPath, uri: libvirtd.uri });
    await server.bootstrap({ create: true, subnet: `${lab.address(2, 0)}/24` });
    imageId = (await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(image)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } })).id;
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
  /** Runs a shell line on the guest and returns what it printed after `KEY=` (letters, digits, `-`, `_`, `"`). */
  const guest = async (id: string, key: string, command: string) => {
    const re = new RegExp(`${key}=([A-Za-z0-9_"-]*)\\r?\\n`);
    const out = await server.serialRun(id, `echo ${key}=$(${command} | tr -cd 'A-Za-z0-9_"-')`, re, 60_000);
    const m = re.exec(out);
    assert.ok(m, `the guest printed no ${key}: ${out.slice(-500)}`);
    return m[1];
  };
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

    const running = await server.call('POST', `/instances/${src.id}/actions/clone`, { json: { name: 'twin' } });
    assert.equal(running.status, 409);
    assert.equal(((await running.json()) as Json).code, 'instance_must_be_stopped');
    assert.equal((await server.waitOperation(await act(src.id, 'stop', 202), 180_000)).state, 'succeeded');

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
  });
});
