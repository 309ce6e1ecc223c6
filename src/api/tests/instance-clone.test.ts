/**
 * Clone (POST /instances/:id/actions/clone) on the fake drivers, of a stopped and of a running
 * source (temporary snapshot, copy, overlays committed back), linked or full, with the create
 * path's capacity check: the new instance (same host,
 * pool and sizes; its disks copied from the files the source writes to now, a linked clone
 * keeping its image; new MACs and addresses; a seed with its own instance-id and hostname), the
 * source held while the copy runs, a failed copy leaving nothing, and every refusal with its code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StorageError } from '../../lib/storage-errors.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, isoFile, json, tinyQcow2, waitOperation, type Json } from './fixtures.js';

const GiB = 1024 ** 3;

describe('clone an instance (POST /instances/:id/actions/clone)', () => {
  let api: TestApi;
  let imageId = '';
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    imageId = (await json(await api.call('POST', '/api/v1/images?name=base', { body: tinyQcow2() }))).id;
    // The default pool on a NAT network with an address pool: new instances get a NIC with an address.
    const net = await json(await api.call('POST', '/api/v1/networks', { json: { kind: 'nat', name: 'lab' } }));
    const base = String(net.subnet).replace(/\.0\/24$/, '');
    const pool = await api.call('POST', '/api/v1/address-pools', { json: { name: 'lab-pool', network: 'lab', gateway: net.gateway, ranges: [{ start: `${base}.10`, end: `${base}.40`, prefix: 24 }] } });
    assert.equal(pool.status, 201, await pool.clone().text());
    assert.equal((await api.call('PUT', '/api/v1/pools/default/network', { json: { network: 'lab', addressPool: 'lab-pool' } })).status, 200);
  });
  after(() => api.close());

  const clone = (id: string, body: unknown) => api.call('POST', `/api/v1/instances/${id}/actions/clone`, { json: body });
  const make = async (name: string, over: Json = {}) => {
    const body = instanceBody(name, { disk: { source: 'image', imageId, sizeGiB: 2 }, dataDisks: [{ sizeGiB: 1 }], cloudInit: { sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey you@host'] }, ...over });
    const { instance, operation } = await createInstance(api, body);
    assert.equal(operation.state, 'succeeded', JSON.stringify(operation));
    return instance;
  };
  const problem = async (res: Response, status: number, code: string) => {
    const body = await json(res);
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.code, code, JSON.stringify(body));
    return body;
  };
  const nics = async (id: string) => (await json(await api.call('GET', `/api/v1/instances/${id}/nics`))).items as Json[];
  const files = (id: string) => api.storage.list().filter((v) => v.startsWith(`${id}/`)).map((v) => v.slice(id.length + 1)).sort();
  const backing = async (volume: string) => {
    const b = (await api.storage.info(volume)).backingFile;
    return b && b.slice(b.lastIndexOf('/') + 1);
  };
  const cloned = async (id: string, name: string) => {
    const res = await clone(id, { name });
    const body = await json(res);
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.equal(res.headers.get('location'), `/api/v1/operations/${body.operation.id}`);
    const op = await waitOperation(api, res.headers.get('location'));
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    return body.instance as Json;
  };

  test('a new stopped instance on the same host and pool: disks copied (the image kept as backing), new MACs and addresses, its own seed', async () => {
    const src = await make('original');
    const res = await clone(src.id, { name: 'copy-1' });
    const body = await json(res);
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.deepEqual([body.instance.name, body.instance.state, body.operation.targetType, body.operation.targetId], ['copy-1', 'creating', 'instance', body.instance.id]);
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    const copy = await json(await api.call('GET', `/api/v1/instances/${body.instance.id}`));
    const pick = (i: Json) => [i.state, i.hostId, i.poolId, i.cores, i.memoryMiB, i.diskSizeBytes, i.imageId, i.cloneMode, i.dataDisks.length];
    assert.deepEqual(pick(copy), ['stopped', src.hostId, src.poolId, 1, 128, 2 * GiB, imageId, 'linked', 1]);
    assert.notEqual(copy.id, src.id);
    assert.deepEqual(files(copy.id), ['data-0.qcow2', 'seed.iso', 'system.qcow2']);
    assert.equal(await backing(`${copy.id}/system.qcow2`), await backing(`${src.id}/system.qcow2`), 'a linked clone stays linked to the image');
    assert.equal(await backing(`${copy.id}/data-0.qcow2`), undefined);
    assert.equal((await api.storage.info(`${copy.id}/data-0.qcow2`)).virtualSizeBytes, GiB);
    assert.equal(isoFile(api.storage.pathOf(`${copy.id}/seed.iso`), 'meta-data'), `instance-id: "${copy.id}"\nlocal-hostname: "copy-1"\n`);
    assert.match(isoFile(api.storage.pathOf(`${copy.id}/seed.iso`), 'user-data'), /ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey/, 'the same SSH keys');
    const [a, b] = [await nics(src.id), await nics(copy.id)];
    assert.equal(b.length, a.length);
    assert.ok(a.length > 0, 'the default pool gives a NIC');
    assert.deepEqual(b.map((n) => n.networkId), a.map((n) => n.networkId), 'the same networks');
    assert.notEqual(b[0].mac, a[0].mac, 'a new MAC');
    assert.ok(a[0].address && b[0].address, JSON.stringify([a, b]));
    assert.notEqual(b[0].address, a[0].address, 'a new address from the same pool');
    assert.equal(b[0].addressPoolId, a[0].addressPoolId);
    assert.ok(await api.hypervisor.findDomain(copy.domainName), 'the clone is defined');
    assert.equal(api.services.instances.get(src.id).state, 'stopped', 'the source is untouched');
    assert.equal((await api.call('POST', `/api/v1/instances/${src.id}/actions/start`)).status, 200, 'and free again');
    await api.call('POST', `/api/v1/instances/${src.id}/actions/force-stop`);
  });

  test('a disk that had snapshots (deleted since) is copied from the file it writes to now', async () => {
    const src = await make('snapped', { dataDisks: [] });
    const snap = await json(await api.call('POST', `/api/v1/instances/${src.id}/snapshots`, { json: { name: 's1' } }));
    const del = await api.call('DELETE', `/api/v1/instances/${src.id}/snapshots/${snap.id}`);
    assert.equal((await waitOperation(api, del.headers.get('location'))).state, 'succeeded');
    const current = api.services.instances.get(src.id).diskFiles.system ?? 'system.qcow2';
    const copy = await cloned(src.id, 'snapped-copy');
    assert.deepEqual(files(copy.id), ['seed.iso', 'system.qcow2']);
    assert.equal(await backing(`${copy.id}/system.qcow2`), await backing(`${src.id}/${current}`));
  });

  test('while the copy runs the source is busy; a failed copy leaves no clone and frees the source', async () => {
    const src = await make('busy-src');
    const release = api.storage.holdNext('copy', `${src.id}/system.qcow2`);
    const res = await clone(src.id, { name: 'busy-copy' });
    const body = await json(res);
    assert.equal(res.status, 202, JSON.stringify(body));
    try {
      const post = (path: string) => api.call('POST', `/api/v1/instances/${src.id}/${path}`);
      await problem(await post('actions/start'), 409, 'instance_busy');
      await problem(await post('actions/reset-system-disk'), 409, 'instance_busy');
      await problem(await clone(src.id, { name: 'busy-copy-2' }), 409, 'instance_busy');
      await problem(await api.call('DELETE', `/api/v1/instances/${src.id}`), 409, 'instance_busy');
      assert.equal(api.services.instances.get(body.instance.id).state, 'creating');
    } finally {
      release();
    }
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');

    api.storage.failNext('copy', `${src.id}/data-0.qcow2`, new StorageError('No space left on device'));
    const failed = await clone(src.id, { name: 'doomed' });
    const doomed = (await json(failed)).instance;
    const op = await waitOperation(api, failed.headers.get('location'));
    assert.equal(op.state, 'failed', JSON.stringify(op));
    assert.equal((await api.call('GET', `/api/v1/instances/${doomed.id}`)).status, 404, 'no clone row');
    assert.deepEqual(files(doomed.id), [], 'no clone files');
    assert.equal(await api.hypervisor.findDomain(doomed.domainName), undefined, 'no clone domain');
    assert.equal((await nics(src.id)).length, 1);
    assert.equal((await api.call('POST', `/api/v1/instances/${src.id}/actions/start`)).status, 200, 'the source is free again');
    await api.call('POST', `/api/v1/instances/${src.id}/actions/force-stop`);
  });

  test('a running source keeps running: a temporary snapshot, the copy from the frozen files, the overlays committed back', async () => {
    const src = await make('live-src');
    assert.equal((await api.call('POST', `/api/v1/instances/${src.id}/actions/start`)).status, 200);
    const before = files(src.id);
    const jobs = api.hypervisor.blockJobs.length;
    const copy = await cloned(src.id, 'live-copy');
    assert.deepEqual(api.hypervisor.blockJobs.slice(jobs), [`commit-active ${src.domainName}:vda`, `commit-active ${src.domainName}:vdb`]);
    const after = api.services.instances.get(src.id);
    assert.equal(after.state, 'running', 'the source still runs');
    assert.deepEqual(files(src.id), before, 'no temporary overlay left beside the source');
    assert.deepEqual([after.diskFiles.system ?? 'system.qcow2', after.diskFiles['data-0'] ?? 'data-0.qcow2'], ['system.qcow2', 'data-0.qcow2'], 'the source is back on its own files');
    const live = await api.hypervisor.domainDisks(src.domainName, 'live');
    assert.deepEqual(live.map((d) => d.path.slice(d.path.lastIndexOf('/') + 1)), ['system.qcow2', 'data-0.qcow2'], 'the domain too');
    assert.deepEqual(files(copy.id), ['data-0.qcow2', 'seed.iso', 'system.qcow2']);
    assert.equal(await backing(`${copy.id}/system.qcow2`), await backing(`${src.id}/system.qcow2`), 'linked by default');
    assert.equal(api.services.instances.get(copy.id).state, 'stopped');
    await api.call('POST', `/api/v1/instances/${src.id}/actions/force-stop`);
  });

  test('a failed copy from a running source still merges the temporary overlays back', async () => {
    const src = await make('live-fail', { dataDisks: [] });
    assert.equal((await api.call('POST', `/api/v1/instances/${src.id}/actions/start`)).status, 200);
    api.storage.failNext('copy', `${src.id}/system.qcow2`, new StorageError('No space left on device'));
    const res = await clone(src.id, { name: 'live-doomed' });
    assert.equal(res.status, 202);
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'failed');
    assert.deepEqual(files(src.id), ['seed.iso', 'system.qcow2']);
    assert.equal(api.services.instances.get(src.id).diskFiles.system ?? 'system.qcow2', 'system.qcow2');
    assert.equal((await api.call('POST', `/api/v1/instances/${src.id}/actions/force-stop`)).status, 200, 'the source is free again');
  });

  test('mode full: the system disk stands alone (no image under it)', async () => {
    const src = await make('full-src', { dataDisks: [] });
    const copy = await cloned(src.id, 'full-copy');
    const res = await clone(src.id, { name: 'full-copy-2', mode: 'full' });
    assert.equal(res.status, 202);
    const body = await json(res);
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    assert.ok(await backing(`${copy.id}/system.qcow2`), 'linked keeps the image');
    assert.equal(await backing(`${body.instance.id}/system.qcow2`), undefined, 'full has no backing file');
    assert.equal(api.services.instances.get(body.instance.id).cloneMode, 'full');
  });

  test('the source host must have room for the clone, as for a create: 507 no_host_available, nothing recorded', async () => {
    // The fake host has 8 GiB of memory (×1): a second 4.5 GiB instance does not fit.
    const src = await make('big-src', { dataDisks: [], memoryMiB: 4608 });
    const body = await problem(await clone(src.id, { name: 'big-copy' }), 507, 'no_host_available');
    assert.match(body.detail, /^No host in pool 'default' can take 1 cores and 4608 MiB: fake-host: not enough memory for 4608 MiB more \(.* of 8.0 GiB claimed/);
    assert.ok(!api.services.instances.list().some((i) => i.name === 'big-copy'));
  });

  test('refusals: with snapshots, a taken name, a bad body, an unknown instance', async () => {
    const src = await make('refuser', { dataDisks: [] });
    await problem(await clone(src.id, { name: 'refuser' }), 409, 'instance_name_taken');
    await problem(await clone(src.id, { name: '-bad-' }), 400, 'validation_failed');
    await problem(await clone(src.id, {}), 400, 'validation_failed');
    await problem(await clone(src.id, { name: 'x', extra: 1 }), 400, 'validation_failed');
    await problem(await clone('ins_nosuchthing', { name: 'x' }), 404, 'instance_not_found');
    await problem(await clone(src.id, { name: 'x', mode: 'thin' }), 400, 'validation_failed');
    assert.equal((await api.call('POST', `/api/v1/instances/${src.id}/snapshots`, { json: { name: 'keep' } })).status, 201);
    const snapped = await problem(await clone(src.id, { name: 'from-snapped' }), 409, 'instance_has_snapshots');
    assert.match(snapped.detail, /Cannot clone instance 'refuser' while it has snapshots/);
    const names = api.services.instances.list().map((i) => i.name);
    assert.ok(!names.includes('from-snapped') && !names.includes('x'), names.join(','));
  });
});
