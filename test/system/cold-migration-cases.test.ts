/**
 * Cold migration, the harder cases (issue 10), in a two-host lab (test/lab/two-host-lab.ts: the
 * controller and its private libvirtd in one namespace, a joined peer with its own in the other;
 * nothing in the root namespace). A NAT network with a DHCP address pool spans both hosts.
 *
 * - The targets as the server checks them (GET …/migration-targets) and a named target that cannot
 *   take the instance: 409 migration_target_unfit with its reasons.
 * - A guest with a NIC on the network moves with its MAC and address, and on the target gets that
 *   address again from the target's dnsmasq.
 * - A copy a cut-off migration committed on a host (files of an instance the database places
 *   elsewhere) no longer blocks the next migration to that host.
 * - The controller SIGKILLed mid-copy of a large disk: after its restart the instance is on its
 *   source, stopped, starts there, its disk unchanged; the target keeps no incoming directory.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { run } from '../../src/lib/exec.js';
import { miniImagePath } from '../fixtures/mini-image.js';
import { PeerOnebox } from '../lab/peer-onebox.js';
import { createTwoHostLab, labRequirements, type TwoHostLab } from '../lab/two-host-lab.js';
import { bundle, privateLibvirtd, skipUnlessPresent } from '../require-system.js';
import { listDomains, OneboxServer, waitFor, type Json } from './onebox-server.js';

const sha256Of = (path: string) =>
  new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (d) => hash.update(d)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
  });

describe('cold migration: networks, target refusals, cut-off copies, a killed controller', { skip: skipUnlessPresent(bundle(), ...labRequirements(), privateLibvirtd()), timeout: 1_800_000 }, () => {
  let lab: TwoHostLab;
  let libvirtds: PrivateQemuLibvirtd[] = [];
  let controller: OneboxServer;
  let peer: PeerOnebox;
  let localHostId = '';
  let peerHostId = '';
  let imageId = '';
  let net: Json;

  const migrate = (id: string, hostId: string) => controller.call('POST', `/instances/${id}/actions/migrate`, { json: { hostId } });
  const targets = async (id: string) => ((await controller.json('GET', `/instances/${id}/migration-targets`)).items as Json[]).map((h) => [h.hostId, h.fits, h.reasons]);
  const instanceDir = (dataDir: string, id: string) => join(dataDir, 'instances', id);
  const forceStop = async (id: string) => {
    const res = await controller.call('POST', `/instances/${id}/actions/force-stop`);
    assert.equal(res.status, 200, await res.clone().text());
    await controller.waitState(id, 'stopped', 60_000);
  };
  const create = async (body: Json) => {
    const res = await controller.call('POST', '/instances', { json: { cores: 1, memoryMiB: 128, disk: { source: 'image', imageId }, hostId: localHostId, ...body } });
    assert.equal(res.status, 202, await res.clone().text());
    const op = await controller.waitOperation(res, 300_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    return controller.json('GET', `/instances/${body.name}`);
  };
  const migrated = async (id: string, hostId: string) => {
    const res = await migrate(id, hostId);
    assert.equal(res.status, 202, await res.clone().text());
    const op = await controller.waitOperation(res, 600_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    return controller.json('GET', `/instances/${id}`);
  };

  before(async () => {
    const image = await miniImagePath(); // built (or cached) before any connection opens
    lab = await createTwoHostLab('cmig');
    const controllerLibvirtd = await lab.startControllerLibvirtd();
    const peerLibvirtd = await lab.startPeerLibvirtd();
    libvirtds = [controllerLibvirtd, peerLibvirtd];
    controller = await lab.startController(['--heartbeat-interval', '1', '--heartbeat-lost-after', '5'], controllerLibvirtd);
    await controller.bootstrap();
    peer = new PeerOnebox(lab, peerLibvirtd);
    peerHostId = await peer.join(controller);
    await waitFor('the peer online', 60_000, async () => (await controller.json('GET', `/hosts/${peerHostId}`)).state === 'online');
    const moved = await controller.call('PATCH', `/hosts/${peerHostId}`, { json: { poolId: (await controller.json('GET', '/pools/default')).id } });
    assert.equal(moved.status, 200, await moved.clone().text());
    localHostId = (await controller.json('GET', '/hosts')).items.find((h: Json) => h.isLocal).id;
    imageId = (await controller.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(image)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } })).id;
    const made = await controller.call('POST', '/networks', { json: { kind: 'nat', name: 'mignet', subnet: `${lab.lab.address(3, 0)}/24` } });
    assert.equal(made.status, 201, await made.clone().text());
    net = (await made.json()) as Json;
    const pool = await controller.call('POST', '/address-pools', { json: { name: 'migpool', network: 'mignet', gateway: net.gateway, dnsServers: [net.gateway], ranges: [{ start: lab.lab.address(3, 10), end: lab.lab.address(3, 19), prefix: 24 }] } });
    assert.equal(pool.status, 201, await pool.clone().text());
    assert.equal((await controller.call('PUT', '/pools/default/network', { json: { network: 'mignet', addressPool: 'migpool' } })).status, 200);
  }, { timeout: 600_000 });

  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(controller?.output, '\n--- peer ---\n', peer?.output);
    for (const daemon of libvirtds) {
      for (const name of listDomains(daemon.uri)) {
        await run(['virsh', '-c', daemon.uri, 'destroy', name]).catch(() => undefined);
        await run(['virsh', '-c', daemon.uri, 'undefine', name, '--nvram']).catch(() => undefined);
      }
    }
    await peer?.stop('SIGKILL');
    await controller?.stop().catch((err: unknown) => console.error(String(err)));
    await lab?.close();
  });

  test('a guest with a NIC on a onebox network: the targets as checked, a disabled target refused (409 migration_target_unfit), then it moves keeping MAC and address and leases it again on the target', { timeout: 900_000 }, async () => {
    const vm = await create({ name: 'netvm', nics: [{ network: 'mignet' }], start: true });
    const { mac } = vm.nics[0];
    assert.equal(vm.address, lab.lab.address(3, 10));
    await controller.waitConsole(vm.id, `ONEBOX-GUEST-IP ${vm.address}`, 1, 600_000); // TCG on a loaded machine
    await forceStop(vm.id);

    assert.equal((await controller.call('PATCH', `/hosts/${peerHostId}`, { json: { enabled: false } })).status, 200);
    assert.deepEqual((await targets(vm.id)).sort(), [[localHostId, false, ['its current host']], [peerHostId, false, ['disabled for scheduling']]].sort());
    const refused = await migrate(vm.id, peerHostId);
    const body = (await refused.json()) as Json;
    assert.equal(refused.status, 409, JSON.stringify(body));
    assert.equal(body.code, 'migration_target_unfit');
    assert.match(body.detail, /^Host '[^']+' cannot take instance 'netvm' \(1 cores, 128 MiB\): disabled for scheduling\.$/);
    assert.deepEqual(body.hosts.map((h: Json) => h.reasons), [['disabled for scheduling']]);
    assert.equal((await controller.call('PATCH', `/hosts/${peerHostId}`, { json: { enabled: true } })).status, 200);
    assert.deepEqual((await targets(vm.id)).find(([hostId]) => hostId === peerHostId), [peerHostId, true, []]);

    const moved = await migrated(vm.id, peerHostId);
    assert.equal(moved.hostId, peerHostId);
    assert.equal(moved.nics[0].mac, mac, 'the MAC is kept');
    assert.equal(moved.address, vm.address, 'the address is kept');
    const start = await controller.call('POST', `/instances/${vm.id}/actions/start`);
    assert.equal(start.status, 200, await start.clone().text());
    // The console log is the target host's own (new): the guest's DHCP client got the same address from the peer's dnsmasq.
    await controller.waitConsole(vm.id, `ONEBOX-GUEST-IP ${vm.address}`, 1, 600_000);
    const leases = (await controller.json('GET', `/networks/${net.id}/leases`)).items as Json[];
    assert.ok(leases.some((l) => l.mac === mac && l.ip === vm.address), JSON.stringify(leases));
    await forceStop(vm.id);
  });

  test('a copy a cut-off migration committed on the controller host does not block moving the instance there; the real files replace it', async () => {
    const vm = await controller.json('GET', '/instances/netvm');
    assert.equal(vm.hostId, peerHostId);
    // Its system disk as the peer has it (the commit rewrites the backing file's name in the header, so the copy is compared by content).
    const before = join(lab.lab.dir, 'netvm-system-before.qcow2');
    await run(['cp', join(instanceDir(peer.dataDir, vm.id), 'system.qcow2'), before]);
    // The state a kill between the target's commit (rename out of .incoming) and the record leaves: the instance's files in place on a host it does not live on.
    const stale = instanceDir(controller.dataDir, vm.id);
    mkdirSync(stale, { recursive: true });
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', join(stale, 'system.qcow2'), '64M']);
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', join(stale, 'data-0.qcow2'), '64M']);

    const back = await migrated(vm.id, localHostId);
    assert.equal(back.hostId, localHostId);
    await run(['qemu-img', 'compare', '-U', before, join(stale, 'system.qcow2')]); // exit 0: the same content, else it throws
    const info = JSON.parse((await run(['qemu-img', 'info', '-U', '--output=json', join(stale, 'system.qcow2')])).stdout) as Json;
    assert.equal(info['backing-filename'], join(controller.dataDir, 'cache', 'images', `${imageId}.qcow2`), "the system disk sits on the controller's copy of the image, not the stale blank one");
    assert.ok(!existsSync(join(stale, 'data-0.qcow2')), "the stale copy's extra file is gone");
    assert.ok(!existsSync(instanceDir(peer.dataDir, vm.id)), 'the peer no longer holds it');
  });

  test('the controller killed mid-copy of a large disk: the instance stays on its source, stopped and usable; no incoming directory is left on the target', { timeout: 900_000 }, async () => {
    const big = await create({ name: 'big', nics: [], dataDisks: [{ sizeGiB: 1 }], start: false });
    const dataDisk = join(instanceDir(controller.dataDir, big.id), 'data-0.qcow2');
    await run(['qemu-io', '-f', 'qcow2', '-c', 'write -P 0x5a 0 700M', dataDisk], { timeoutMs: 300_000 });
    const before = await sha256Of(dataDisk);

    const res = await migrate(big.id, peerHostId);
    assert.equal(res.status, 202, await res.clone().text());
    const { operation } = (await res.json()) as Json;
    let seen: Json = {};
    await waitFor('the copy under way', 300_000, async () => {
      seen = await controller.json('GET', `/operations/${operation.id}`);
      if (seen.state !== 'running') throw new Error(`the migration ended before it could be cut: ${JSON.stringify(seen)}`);
      return /^Copied [\d.]+ of/.test(seen.message) && seen.progress > 5 && seen.progress < 80; // percent
    }, 50);
    const incoming = `${instanceDir(peer.dataDir, big.id)}.incoming`;
    assert.ok(existsSync(incoming), `the copy is landing on the peer (${seen.message})`);
    const pid = controller.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed controller to go', 10_000, async () => !existsSync(`/proc/${pid}`));
    await controller.spawn();

    const after = await controller.waitState(big.id, 'stopped', 120_000);
    assert.equal(after.hostId, localHostId, 'still recorded on its source');
    await waitFor('the peer back online', 120_000, async () => (await controller.json('GET', `/hosts/${peerHostId}`)).state === 'online');
    await waitFor('no incoming directory on the peer', 60_000, async () => !existsSync(incoming));
    assert.ok(!existsSync(instanceDir(peer.dataDir, big.id)), 'nothing of it committed on the peer');
    assert.equal(await sha256Of(dataDisk), before, 'its data disk on the source is unchanged');
    const start = await controller.call('POST', `/instances/${big.id}/actions/start`);
    assert.equal(start.status, 200, await start.clone().text());
    assert.equal(((await start.json()) as Json).state, 'running');
    await forceStop(big.id);
  });
});
