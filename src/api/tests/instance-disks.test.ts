/**
 * An instance's disks after create (GET/POST /instances/:id/disks, PATCH/DELETE …/disks/:diskId):
 * every rule with status and code, and on each refusal the stored row, the domain's definition
 * and running disks and the volumes on the host exactly as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiskChangeRefusedError } from '../../hypervisor/errors.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, tinyQcow2, waitOperation, type Json } from './fixtures.js';

const GiB = 1024 ** 3;

describe("an instance's disks (/instances/:id/disks)", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  const disks = (id: string) => api.call('GET', `/api/v1/instances/${id}/disks`);
  const add = (id: string, body: unknown) => api.call('POST', `/api/v1/instances/${id}/disks`, { json: body });
  const grow = (id: string, diskId: string, body: unknown) => api.call('PATCH', `/api/v1/instances/${id}/disks/${diskId}`, { json: body });
  const remove = (id: string, diskId: string) => api.call('DELETE', `/api/v1/instances/${id}/disks/${diskId}`);
  const action = (id: string, name: string) => api.call('POST', `/api/v1/instances/${id}/actions/${name}`);
  /** Everything stored, defined, running and on the host about an instance's disks. */
  const snapshot = async (id: string) => {
    const row = api.services.instances.get(id);
    const volumes = api.storage.list().filter((v) => v.startsWith(`${row.id}/`));
    const sizes = await Promise.all(volumes.map(async (v) => (await api.storage.info(v)).virtualSizeBytes));
    return { row, config: await api.hypervisor.domainDisks(row.domainName, 'config'), live: await api.hypervisor.domainDisks(row.domainName, 'live'), volumes, sizes };
  };
  const make = async (name: string, over: Json = {}) => {
    const { instance, operation } = await createInstance(api, instanceBody(name, over));
    assert.equal(operation.state, 'succeeded', JSON.stringify(operation));
    return instance;
  };
  const refused = async (id: string, call: () => Promise<Response>, status: number, code: string) => {
    const before = await snapshot(id);
    const res = await call();
    const problem = await json(res);
    assert.equal(res.status, status, JSON.stringify(problem));
    assert.equal(problem.code, code, JSON.stringify(problem));
    assert.deepEqual(await snapshot(id), before, `${code}: nothing stored, defined or on the host changed`);
    return problem;
  };
  const targets = async (name: string, which: 'live' | 'config') => (await api.hypervisor.domainDisks(name, which)).map((d) => d.target);

  test('GET lists the system and data disks: device, role, virtual and allocated size, format, backing image', async () => {
    const imageId = (await json(await api.call('POST', '/api/v1/images?name=disk-base', { body: tinyQcow2() }))).id;
    const a = await make('disks-list', { disk: { source: 'image', imageId, sizeGiB: 2 }, dataDisks: [{ sizeGiB: 3 }, { sizeGiB: 4 }] });
    const res = await disks(a.id);
    assert.equal(res.status, 200);
    const { items } = await json(res);
    assert.deepEqual(items.map((d: Json) => [d.id, d.device, d.role, d.virtualSizeBytes, d.format, d.backingImageId]), [
      ['system', 'vda', 'system', 2 * GiB, 'qcow2', imageId],
      ['data-0', 'vdb', 'data', 3 * GiB, 'qcow2', null],
      ['data-1', 'vdc', 'data', 4 * GiB, 'qcow2', null],
    ]);
    assert.ok(items.every((d: Json) => typeof d.actualSizeBytes === 'number' && d.actualSizeBytes > 0 && d.actualSizeBytes < d.virtualSizeBytes), JSON.stringify(items));
    assert.equal((await disks('no-such-instance')).status, 404);
  });

  test('stopped: a disk is added to the definition, grown with qemu-img, removed with its volume', async () => {
    const a = await make('disks-stopped');
    const res = await add(a.id, { sizeGiB: 2 });
    const disk = await json(res);
    assert.equal(res.status, 201, JSON.stringify(disk));
    assert.deepEqual([disk.id, disk.device, disk.role, disk.virtualSizeBytes], ['data-0', 'vdb', 'data', 2 * GiB]);
    assert.deepEqual(await targets(a.domainName, 'config'), ['vda', 'vdb']);
    assert.deepEqual(api.services.instances.get(a.id).dataDisks, [{ slot: 0, sizeBytes: 2 * GiB }]);
    assert.equal((await api.storage.info(`${a.id}/data-0.qcow2`)).virtualSizeBytes, 2 * GiB);

    const grown = await json(await grow(a.id, 'data-0', { sizeGiB: 5 }));
    assert.equal(grown.virtualSizeBytes, 5 * GiB, JSON.stringify(grown));
    assert.equal((await api.storage.info(`${a.id}/data-0.qcow2`)).virtualSizeBytes, 5 * GiB, 'the volume on the host');
    assert.equal(api.services.instances.get(a.id).dataDisks[0].sizeBytes, 5 * GiB);
    const sys = await json(await grow(a.id, 'system', { sizeGiB: 3 }));
    assert.equal(sys.virtualSizeBytes, 3 * GiB);
    assert.equal(api.services.instances.get(a.id).diskSizeBytes, 3 * GiB);
    assert.equal(api.hypervisor.resizedTo(a.domainName, 'vda'), undefined, 'stopped: no block resize');
    assert.equal((await json(await grow(a.id, 'system', { sizeGiB: 3 }))).virtualSizeBytes, 3 * GiB, 'the same size changes nothing');

    assert.equal((await remove(a.id, 'data-0')).status, 204);
    assert.deepEqual(await targets(a.domainName, 'config'), ['vda']);
    assert.equal(await api.storage.exists(`${a.id}/data-0.qcow2`), false, 'the volume is deleted');
    assert.deepEqual(api.services.instances.get(a.id).dataDisks, []);
    assert.deepEqual((await json(await disks(a.id))).items.map((d: Json) => d.id), ['system']);
  });

  test('running: a disk is hot-plugged and in the definition, grown online, hot-unplugged and deleted', async () => {
    const a = await make('disks-running', { start: true });
    assert.equal(api.services.instances.get(a.id).state, 'running');
    const disk = await json(await add(a.id, { sizeGiB: 1 }));
    assert.equal(disk.device, 'vdb', JSON.stringify(disk));
    assert.deepEqual(await targets(a.domainName, 'live'), ['vda', 'vdb'], 'hot-plugged');
    assert.deepEqual(await targets(a.domainName, 'config'), ['vda', 'vdb'], 'and kept for the next boot');

    assert.equal((await grow(a.id, 'system', { sizeGiB: 4 })).status, 200);
    assert.equal(api.hypervisor.resizedTo(a.domainName, 'vda'), 4 * GiB, 'the running domain grew the disk (block resize)');
    assert.equal(api.services.instances.get(a.id).diskSizeBytes, 4 * GiB);

    assert.equal((await remove(a.id, 'data-0')).status, 204);
    assert.deepEqual(await targets(a.domainName, 'live'), ['vda']);
    assert.deepEqual(await targets(a.domainName, 'config'), ['vda']);
    assert.equal(await api.storage.exists(`${a.id}/data-0.qcow2`), false);
  });

  test('a removed slot is reused: devices stay put for the disks that remain', async () => {
    const a = await make('disks-slots', { dataDisks: [{ sizeGiB: 1 }, { sizeGiB: 2 }] });
    assert.equal((await remove(a.id, 'data-0')).status, 204);
    assert.deepEqual((await json(await disks(a.id))).items.map((d: Json) => [d.id, d.device]), [['system', 'vda'], ['data-1', 'vdc']]);
    const again = await json(await add(a.id, { sizeGiB: 1 }));
    assert.deepEqual([again.id, again.device], ['data-0', 'vdb']);
    assert.deepEqual((await json(await api.call('GET', `/api/v1/instances/${a.id}`))).dataDisks, [{ slot: 0, sizeBytes: GiB }, { slot: 1, sizeBytes: 2 * GiB }], 'the instance shows each data disk with its slot');
    assert.deepEqual(await targets(a.domainName, 'config'), ['vda', 'vdc', 'vdb']);
    // Starting redefines the domain from the row: the same devices on the same volumes.
    assert.equal((await action(a.id, 'start')).status, 200);
    const byTarget = Object.fromEntries((await api.hypervisor.domainDisks(a.domainName, 'live')).map((d) => [d.target, d.path]));
    assert.equal(byTarget.vdb, api.storage.pathOf(`${a.id}/data-0.qcow2`));
    assert.equal(byTarget.vdc, api.storage.pathOf(`${a.id}/data-1.qcow2`));
  });

  test('refusals: unknown disk 404, bad input 400, shrinking, the system disk, a 9th disk 409, too big 507; nothing changes', async () => {
    const a = await make('disks-refused', { dataDisks: [{ sizeGiB: 2 }] });
    await refused(a.id, () => grow(a.id, 'data-7', { sizeGiB: 3 }), 404, 'disk_not_found');
    await refused(a.id, () => remove(a.id, 'nope'), 404, 'disk_not_found');
    assert.equal((await add('no-such-instance', { sizeGiB: 1 })).status, 404);
    for (const body of [{}, { sizeGiB: 0 }, { sizeGiB: 1.5 }, { sizeGiB: '2' }, { sizeGiB: 70000 }, { sizeGiB: 1, extra: true }]) {
      const problem = await refused(a.id, () => add(a.id, body), 400, 'validation_failed');
      assert.ok(problem.errors?.length > 0, JSON.stringify(problem));
      await refused(a.id, () => grow(a.id, 'data-0', body), 400, 'validation_failed');
    }
    const shrink = await refused(a.id, () => grow(a.id, 'data-0', { sizeGiB: 1 }), 409, 'disk_cannot_shrink');
    assert.match(shrink.detail, /2 GiB.*cannot shrink to 1 GiB/);
    await refused(a.id, () => remove(a.id, 'system'), 409, 'system_disk_not_removable');
    api.storage.setCapacity({ totalBytes: 100 * GiB, freeBytes: 10 * GiB });
    try {
      await refused(a.id, () => add(a.id, { sizeGiB: 11 }), 507, 'insufficient_storage');
      await refused(a.id, () => grow(a.id, 'data-0', { sizeGiB: 13 }), 507, 'insufficient_storage');
      assert.equal((await grow(a.id, 'data-0', { sizeGiB: 12 })).status, 200, '10 GiB more fits');
    } finally {
      api.storage.setCapacity({ totalBytes: 1024 * GiB, freeBytes: 512 * GiB });
    }
    for (let i = 1; i < 8; i++) assert.equal((await add(a.id, { sizeGiB: 1 })).status, 201);
    await refused(a.id, () => add(a.id, { sizeGiB: 1 }), 409, 'too_many_disks');
  });

  test('an instance being created or deleted is 409 invalid_instance_state, nothing made', async () => {
    api.hypervisor.delayNext('defineDomain', 400);
    const res = await api.call('POST', '/api/v1/instances', { json: instanceBody('disks-busy') });
    const { instance } = await json(res);
    assert.equal(instance.state, 'creating');
    for (const call of [() => add(instance.id, { sizeGiB: 1 }), () => grow(instance.id, 'system', { sizeGiB: 2 }), () => remove(instance.id, 'data-0')]) {
      const r = await call();
      assert.equal(r.status, 409);
      assert.equal((await json(r)).code, 'invalid_instance_state');
    }
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    const row = api.services.instances.get(instance.id);
    assert.deepEqual([row.dataDisks, row.diskSizeBytes], [[], GiB]);
    assert.deepEqual(api.storage.list().filter((v) => v.startsWith(`${instance.id}/`)), [`${instance.id}/system.qcow2`]);
    api.hypervisor.delayNext('undefineDomain', 400);
    const del = await api.call('DELETE', `/api/v1/instances/${instance.id}`);
    const during = await add(instance.id, { sizeGiB: 1 });
    assert.equal(during.status, 409);
    assert.equal((await json(during)).code, 'invalid_instance_state');
    assert.equal((await waitOperation(api, del.headers.get('location'))).state, 'succeeded');
  });

  test('running: a hot-unplug the guest refuses is a 409 and deletes nothing; a refused hot-plug leaves no volume', async () => {
    const a = await make('disks-unplug', { dataDisks: [{ sizeGiB: 1 }], start: true });
    api.hypervisor.failNext('detachDisk', new DiskChangeRefusedError('the guest did not release disk vdb within 10 s'));
    const problem = await refused(a.id, () => remove(a.id, 'data-0'), 409, 'disk_change_refused');
    assert.match(problem.detail, /disks-unplug/);
    assert.equal(await api.storage.exists(`${a.id}/data-0.qcow2`), true);
    api.hypervisor.failNext('attachDisk', new DiskChangeRefusedError('no free PCI slot'));
    await refused(a.id, () => add(a.id, { sizeGiB: 1 }), 409, 'disk_change_refused');
    api.hypervisor.failNext('blockResize', new DiskChangeRefusedError('block resize failed'));
    await refused(a.id, () => grow(a.id, 'system', { sizeGiB: 2 }), 409, 'disk_change_refused');
  });
});
