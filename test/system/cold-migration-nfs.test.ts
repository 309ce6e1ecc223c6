/**
 * Cold migration on a shared (NFS) storage pool (issue 10): disks are re-attached on the target,
 * never copied. In a two-host lab (test/lab/two-host-lab.ts) nfs-ganesha runs in the controller's
 * namespace and both hosts reach its export with QEMU's NFS driver (this kernel has no NFS client);
 * each host has its private libvirtd; nothing in the root namespace. A mini guest whose disks live
 * on the export writes a marker to its data disk on the controller host, moves stopped to the peer
 * (the disk files' SHA-256 unchanged, no copy of them on the peer), boots there and reads it back.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { run } from '../../src/lib/exec.js';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { nfsRequirements, startNfsServer, type NfsServer } from '../lab/nfs-server.js';
import { PeerOnebox } from '../lab/peer-onebox.js';
import { createTwoHostLab, labRequirements, type TwoHostLab } from '../lab/two-host-lab.js';
import { bundle, privateLibvirtd, skipUnlessPresent } from '../require-system.js';
import { listDomains, OneboxServer, virshXml, waitFor, type Json } from './onebox-server.js';

const MARK = `NFSMOVE${Date.now().toString(36)}`;
const sha256Of = (path: string) =>
  new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (d) => hash.update(d)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
  });

describe('cold migration on an NFS storage pool: the disks are re-attached, not copied', { skip: skipUnlessPresent(bundle(), ...labRequirements(), privateLibvirtd(), ...nfsRequirements()), timeout: 1_500_000 }, () => {
  let lab: TwoHostLab;
  let libvirtds: PrivateQemuLibvirtd[] = [];
  let nfs: NfsServer;
  let controller: OneboxServer;
  let peer: PeerOnebox;
  let localHostId = '';
  let peerHostId = '';

  /** Runs a shell line on the guest's serial console; what it printed after `KEY=`. */
  const guest = async (id: string, key: string, command: string) => {
    const re = new RegExp(`${key}=([A-Za-z0-9_-]*)\\r?\\n`);
    const out = await controller.serialRun(id, `echo ${key}=$(${command} | tr -cd 'A-Za-z0-9_-')`, re, 180_000);
    const m = re.exec(out);
    assert.ok(m, `the guest printed no ${key}: ${out.slice(-500)}`);
    return m[1];
  };
  const forceStop = async (id: string) => {
    const res = await controller.call('POST', `/instances/${id}/actions/force-stop`);
    assert.equal(res.status, 200, await res.clone().text());
    await controller.waitState(id, 'stopped', 60_000);
  };

  before(async () => {
    const image = await miniImagePath(); // built (or cached) before any connection opens
    lab = await createTwoHostLab('cmnfs');
    nfs = await startNfsServer({ ns: lab.controllerNs, address: lab.controllerAddress, dir: lab.lab.dir });
    const controllerLibvirtd = await lab.startControllerLibvirtd();
    const peerLibvirtd = await lab.startPeerLibvirtd();
    libvirtds = [controllerLibvirtd, peerLibvirtd];
    controller = await lab.startController(['--heartbeat-interval', '1', '--nfs-mode', 'qemu'], controllerLibvirtd);
    await controller.bootstrap();
    peer = new PeerOnebox(lab, peerLibvirtd);
    peerHostId = await peer.join(controller);
    await waitFor('the peer online', 60_000, async () => (await controller.json('GET', `/hosts/${peerHostId}`)).state === 'online');
    const moved = await controller.call('PATCH', `/hosts/${peerHostId}`, { json: { poolId: (await controller.json('GET', '/pools/default')).id } });
    assert.equal(moved.status, 200, await moved.clone().text());
    localHostId = (await controller.json('GET', '/hosts')).items.find((h: Json) => h.isLocal).id;
    const share = await controller.call('POST', '/storage-pools', { json: { name: 'share', kind: 'nfs', server: nfs.address, exportPath: nfs.exportPath } });
    assert.equal(share.status, 201, await share.clone().text());
    const attached = await controller.call('PUT', '/pools/default/storage-pool', { json: { storagePool: 'share' } });
    assert.equal(attached.status, 200, await attached.clone().text());
    await controller.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(image)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
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
    await nfs?.close();
    await lab?.close();
  });

  test('a guest on the export writes a marker, moves stopped to the peer with its disk files untouched, and reads the marker there', { timeout: 1_200_000 }, async () => {
    const res = await controller.call('POST', '/instances', { json: { name: 'nfsvm', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: (await controller.json('GET', '/images/mini')).id }, dataDisks: [{ sizeGiB: 1 }], nics: [], hostId: localHostId, start: true } });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal((await controller.waitOperation(res, 300_000)).state, 'succeeded');
    const vm = await controller.json('GET', '/instances/nfsvm');
    await controller.waitConsole(vm.id, MINI_GUEST_READY, 1, 600_000); // TCG on a loaded machine
    assert.equal(await guest(vm.id, 'WROTE', `printf ${MARK} | dd of=/dev/vdb conv=notrunc 2>/dev/null; sync; echo done`), 'done');
    await forceStop(vm.id);
    const files = ['system.qcow2', 'data-0.qcow2'].map((f) => join(nfs.exportPath, vm.id, f));
    const before = await Promise.all(files.map(sha256Of));

    const mig = await controller.call('POST', `/instances/${vm.id}/actions/migrate`, { json: { hostId: peerHostId } });
    assert.equal(mig.status, 202, await mig.clone().text());
    const op = await controller.waitOperation(mig, 300_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.equal(op.message, 'Moved; its disks on shared storage were re-attached.');
    const moved = await controller.json('GET', `/instances/${vm.id}`);
    assert.equal(moved.hostId, peerHostId);
    assert.deepEqual(await Promise.all(files.map(sha256Of)), before, 'the same disk files, not a copy');
    assert.ok(!existsSync(join(peer.dataDir, 'instances', vm.id, 'system.qcow2')), 'no copy of the disks on the peer');
    assert.match(virshXml(vm.domainName, libvirtds[1].uri), new RegExp(`<source protocol='nfs' name='${nfs.exportPath}/${vm.id}/data-0.qcow2'`), "the peer's domain opens the export's file");

    const start = await controller.call('POST', `/instances/${vm.id}/actions/start`);
    assert.equal(start.status, 200, await start.clone().text());
    await controller.waitConsole(vm.id, MINI_GUEST_READY, 1, 600_000);
    const mark = await guest(vm.id, 'DMARK', `head -c ${MARK.length} /dev/vdb`).finally(() => forceStop(vm.id));
    assert.equal(mark, MARK, 'the guest on the peer reads what it wrote on the controller host');
  });
});
