/**
 * The pool CPU baseline on two real hosts (a two-host lab: the controller on the system libvirtd,
 * a joined peer on its own libvirtd; nothing in the root namespace): the default pool has no
 * baseline while the controller's host is alone, gets one when the peer is added to it (the
 * peer's CPU travels over the peer protocol, a host's hypervisor computes the baseline under
 * TCG), and an instance created on the peer is defined with exactly that model and boots to its
 * serial marker under TCG with it.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { run } from '../../src/lib/exec.js';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { PeerOnebox } from '../lab/peer-onebox.js';
import { createTwoHostLab, labRequirements, type TwoHostLab } from '../lab/two-host-lab.js';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { waitFor, type Json, type OneboxServer } from './onebox-server.js';

describe('pool CPU baseline across two hosts', { skip: skipUnlessPresent(bundle(), ...labRequirements()), timeout: 1_200_000 }, () => {
  let lab: TwoHostLab | undefined;
  let controller: OneboxServer | undefined;
  let libvirtd: PrivateQemuLibvirtd | undefined;
  let peer: PeerOnebox | undefined;
  let image = '';
  let peerHostId = '';
  let domainName = '';

  before(async () => {
    image = await miniImagePath(); // built (or cached) before any connection opens
    lab = await createTwoHostLab('cpub');
    libvirtd = await lab.startPeerLibvirtd();
    controller = await lab.startController();
    await controller.bootstrap();
    peer = new PeerOnebox(lab, libvirtd);
  }, { timeout: 400_000 });

  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(controller?.output, '\n--- peer ---\n', peer?.output);
    if (libvirtd && domainName) {
      for (const verb of ['destroy', 'undefine']) await run(['virsh', '-c', libvirtd.uri, verb, domainName]).catch(() => undefined);
    }
    await peer?.stop('SIGKILL').catch(() => undefined);
    await controller?.cleanup().catch(() => undefined);
    await libvirtd?.stop().catch(() => undefined);
    await lab?.close();
  });

  test('one host: no baseline; the peer added to the pool: a baseline of both hosts', async () => {
    const c = controller!;
    const alone = await c.json('GET', '/pools/default');
    assert.deepEqual([alone.cpuModel, alone.cpuBaselineHosts], [null, []], JSON.stringify(alone));

    peerHostId = await peer!.join(c);
    await waitFor('the joined host online', 60_000, async () => (await c.json('GET', `/hosts/${peerHostId}`)).state === 'online');
    const moved = await c.call('PATCH', `/hosts/${peerHostId}`, { json: { poolId: alone.id } });
    assert.equal(moved.status, 200, await moved.clone().text());

    const pool = await c.json('GET', '/pools/default');
    const localHostId = ((await c.json('GET', '/hosts')).items as Json[]).find((h) => h.isLocal)?.id;
    assert.match(String(pool.cpuModel), /^[A-Za-z0-9_.-]+$/, JSON.stringify(pool));
    assert.deepEqual([...pool.cpuBaselineHosts].sort(), [localHostId, peerHostId].sort());
  });

  test('an instance on the peer is defined with the baseline model and boots with it under TCG', async () => {
    const c = controller!;
    const { cpuModel } = await c.json('GET', '/pools/default');
    const imageId = (await c.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(image)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } })).id;
    const res = await c.call('POST', '/instances', { json: { name: 'baseline', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId }, nics: [], hostId: peerHostId, start: true } });
    assert.equal(res.status, 202, await res.clone().text());
    const instance = ((await res.clone().json()) as Json).instance as Json;
    domainName = instance.domainName;
    assert.equal((await c.waitOperation(res, 300_000)).state, 'succeeded');

    const xml = (await run(['virsh', '-c', libvirtd!.uri, 'dumpxml', domainName])).stdout;
    const cpu = /<cpu [^>]*>[\s\S]*?<\/cpu>/.exec(xml)?.[0] ?? '';
    assert.match(cpu, /^<cpu mode='custom' match='exact'/, xml);
    assert.match(cpu, new RegExp(`<model fallback='forbid'>${cpuModel}</model>`));
    assert.match(cpu, /<feature policy='require' name='[^']+'\/>/, 'the baseline carries its features');
    await c.waitConsole(instance.id, MINI_GUEST_READY, 1, 600_000); // TCG on a loaded machine
  });
});
