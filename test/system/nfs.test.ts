/**
 * NFS storage pools through the real executable, on a machine without a kernel NFS client, all
 * inside a lab (test/lab/netns-lab.ts): nfs-ganesha in the lab's outside namespace exports a temp
 * directory; onebox (`--nfs-mode qemu`) and its private libvirtd run in the lab's host namespace
 * and reach it over the lab's veth with qemu-img and QEMU's NFS driver; the test talks to onebox
 * through a unix-socket forwarder, and the root namespace's interfaces stay as they were. The pool is created, attached to the default
 * compute pool and probed (mounted, free space); a mini TCG guest whose disks live on the export
 * boots to its marker; its files are on the export and pass `qemu-img check`; detaching and
 * deleting the pool are refused while they are there; deleting the instance removes them. A pool
 * on a wrong export shows `error` with the server's reason. One guest; everything cleaned up.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { createLab, labRequirements, rootNamespaceLinks, type Lab } from '../lab/netns-lab.js';
import { nfsRequirements, startNfsServer, type NfsServer } from '../lab/nfs-server.js';
import { bundle, command, privateLibvirtd, skipUnlessPresent } from '../require-system.js';
import { OneboxServer, virshXml, type Json } from './onebox-server.js';

describe('NFS storage pool (QEMU NFS driver): a guest boots from the export', { skip: skipUnlessPresent(bundle(), command('qemu-img', ['--version'], 'qemu-utils'), ...labRequirements(), privateLibvirtd(), ...nfsRequirements()) }, () => {
  let lab: Lab;
  let nfs: NfsServer;
  let server: OneboxServer;
  let imageId: string;
  let inst: Json;
  let rootLinksBefore: string[];
  const hadRunGanesha = existsSync('/run/ganesha');
  before(async () => {
    const imagePath = await miniImagePath();
    rootLinksBefore = rootNamespaceLinks([]); // none of the lab's namespaces exists yet
    lab = await createLab(`nfs-${process.pid}`);
    const libvirtd = await lab.startLibvirtd();
    nfs = await startNfsServer({ ns: lab.outNs, address: lab.outAddress, dir: lab.dir });
    server = await OneboxServer.startInNamespace(lab.hostNs, lab.dir, ['--nfs-mode', 'qemu'], libvirtd);
    await server.bootstrap();
    const image = await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    imageId = image.id;
  }, { timeout: 600_000 });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
    await nfs?.close();
    await lab?.close();
  });

  const call = async (method: string, path: string, body?: Json) => {
    const res = await server.call(method, path, body ? { json: body } : {});
    return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Json) };
  };

  test('invalid pools are refused with a 400 naming the field', async () => {
    const badServer = await call('POST', '/storage-pools', { name: 'bad1', kind: 'nfs', server: 'not a host!', exportPath: '/x' });
    assert.equal(badServer.status, 400, JSON.stringify(badServer.body));
    assert.match(JSON.stringify(badServer.body), /server/);
    const badPath = await call('POST', '/storage-pools', { name: 'bad2', kind: 'nfs', server: nfs.address, exportPath: 'relative/path' });
    assert.equal(badPath.status, 400, JSON.stringify(badPath.body));
    assert.match(JSON.stringify(badPath.body), /absolute/);
  });

  test('create, attach: the host reaches the export through QEMU, writes there and reports its free space', async () => {
    const made = await call('POST', '/storage-pools', { name: 'share', kind: 'nfs', server: nfs.address, exportPath: nfs.exportPath, mountOptions: 'vers=3,hard' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.kind, 'nfs');
    assert.equal(made.body.mountOptions, 'vers=3,hard');
    const attached = await call('PUT', '/pools/default/storage-pool', { storagePool: 'share' });
    assert.equal(attached.status, 200, JSON.stringify(attached.body));
    assert.equal(attached.body.storagePoolId, made.body.id);
    const shown = (await call('GET', '/storage-pools/share')).body;
    assert.equal(shown.hosts.length, 1, JSON.stringify(shown));
    const [host] = shown.hosts;
    assert.equal(host.state, 'mounted', JSON.stringify(host));
    assert.equal(host.mode, 'qemu');
    assert.equal(host.location, `nfs://${nfs.address}${nfs.exportPath}`);
    assert.ok(host.totalBytes > 0 && host.freeBytes > 0 && host.freeBytes <= host.totalBytes, JSON.stringify(host));
    // The write check left no file behind.
    assert.deepEqual(readdirSync(join(nfs.exportPath, 'onebox-probe')), []);
  });

  test('an instance of the pool boots from disks on the export (network disks, image copied onto the share)', { timeout: 600_000 }, async () => {
    const res = await server.call('POST', '/instances', { json: { name: 'on-nfs', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId }, start: true } });
    inst = ((await res.clone().json()) as Json).instance;
    const op = await server.waitOperation(res, 300_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    await server.waitConsole(inst.id, MINI_GUEST_READY, 1, 300_000);
    const xml = virshXml(`ob-${inst.id}`, server.libvirt.uri);
    assert.match(xml, new RegExp(`<source protocol='nfs' name='${nfs.exportPath}/${inst.id}/system.qcow2'`));
    assert.ok(existsSync(join(nfs.exportPath, inst.id, 'system.qcow2')));
    assert.ok(!existsSync(join(server.dataDir, 'instances', inst.id, 'system.qcow2')), 'no disk in the local data dir');
    const images = readdirSync(join(nfs.exportPath, '_images'));
    assert.equal(images.length, 1, `the image is on the share once: ${images.join(', ')}`);
    const info = spawnSync('qemu-img', ['info', '-U', '--output=json', join(nfs.exportPath, inst.id, 'system.qcow2')], { encoding: 'utf8' });
    assert.equal(JSON.parse(info.stdout)['backing-filename'], `nfs://${nfs.address}${nfs.exportPath}/_images/${images[0]}`);
  });

  test('detaching and deleting the storage pool are refused while the disks are there', async () => {
    const detach = await call('PUT', '/pools/default/storage-pool', { storagePool: null });
    assert.equal(detach.status, 409, JSON.stringify(detach.body));
    assert.equal(detach.body.code, 'storage_pool_in_use');
    const del = await call('DELETE', '/storage-pools/share');
    assert.equal(del.status, 409, JSON.stringify(del.body));
    const move = await call('PATCH', '/storage-pools/share', { exportPath: '/elsewhere' });
    assert.equal(move.status, 409, JSON.stringify(move.body));
  });

  test('stopped, its disk passes qemu-img check; deleted, its files are gone from the export', { timeout: 300_000 }, async () => {
    const stopped = await call('POST', `/instances/${inst.id}/actions/force-stop`);
    assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
    // In the lab's host namespace: qemu-img follows the backing file's nfs:// URL, which only the lab reaches.
    const check = spawnSync('ip', ['netns', 'exec', lab.hostNs, 'qemu-img', 'check', '-f', 'qcow2', join(nfs.exportPath, inst.id, 'system.qcow2')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const op = await server.waitOperation(await server.call('DELETE', `/instances/${inst.id}`));
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.ok(!existsSync(join(nfs.exportPath, inst.id)), `left on the export: ${readdirSync(nfs.exportPath).join(', ')}`);
    const detach = await call('PUT', '/pools/default/storage-pool', { storagePool: null });
    assert.equal(detach.status, 200, JSON.stringify(detach.body));
  });

  test('a pool on a wrong export shows error with the reason', async () => {
    const made = await call('POST', '/storage-pools', { name: 'wrong', kind: 'nfs', server: nfs.address, exportPath: '/no/such/export' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await call('PUT', '/pools/default/storage-pool', { storagePool: 'wrong' })).status, 200);
    const [host] = (await call('GET', '/storage-pools/wrong')).body.hosts;
    assert.equal(host.state, 'error', JSON.stringify(host));
    assert.match(host.message, /\/no\/such\/export/);
    assert.match(host.message, /refused to mount|no such export|permission denied/);
    assert.equal((await call('PUT', '/pools/default/storage-pool', { storagePool: null })).status, 200);
    assert.equal((await call('DELETE', '/storage-pools/wrong')).status, 204);
  });

  test('closed, the NFS server leaves nothing behind: not its processes, not its files, no /run/ganesha', async () => {
    const comm = (pid: string) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    const servers = () => spawnSync('ip', ['netns', 'pids', lab.outNs], { encoding: 'utf8' }).stdout.split(/\s+/).filter((pid) => ['ganesha.nfsd', 'rpcbind'].includes(comm(pid)));
    assert.equal(servers().length, 2, 'ganesha and rpcbind run in the lab');
    await nfs.close();
    assert.deepEqual(servers(), []);
    assert.ok(!existsSync(dirname(nfs.exportPath)), 'its directory is gone');
    assert.equal(existsSync('/run/ganesha'), hadRunGanesha, 'the real /run is untouched');
  });

  test('the root namespace has the same interfaces as before the lab (no veth, bridge or tap there)', () => {
    assert.deepEqual(rootNamespaceLinks([lab.hostNs, lab.outNs]), rootLinksBefore);
  });
});
