import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from '../test-harness.js';
import { json, tinyIso, tinyQcow2, waitOperation, type Json } from './fixtures.js';

describe('instances API (fake hypervisor and storage, real SQLite)', () => {
  let api: TestApi;
  let imageId: string;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    const res = await api.call('POST', '/api/v1/images?name=base', { body: tinyQcow2(64 * 1024 ** 2) });
    imageId = (await json(res)).id;
  });
  after(() => api.close());

  const create = (body: Json) => api.call('POST', '/api/v1/instances', { json: body });

  test('create from an image: 202, operation, linked clone, domain defined and started', async () => {
    const res = await create({ name: 'web-1', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId, sizeGiB: 1 }, start: true });
    assert.equal(res.status, 202);
    const location = res.headers.get('location')!;
    assert.match(location, /^\/api\/v1\/operations\/op_/);
    const body = await json(res);
    assert.equal(body.instance.state, 'creating');
    assert.equal(body.instance.vncPassword, undefined);
    const op = await waitOperation(api, location);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.equal(op.progress, 100);
    const inst = await json(await api.call('GET', `/api/v1/instances/${body.instance.id}`));
    assert.equal(inst.state, 'running');
    const info = await api.storage.info(`${inst.id}/system.qcow2`);
    assert.match(info.backingFile ?? '', /cache\/images\/img_.*\.qcow2$/, 'a linked clone of the host\'s copy of the image');
    assert.equal(info.virtualSizeBytes, 1024 ** 3);
    assert.equal((await api.hypervisor.findDomain(inst.domainName))?.state, 'running');
  });

  test('data disks: blank qcow2 files attached as vdb, vdc, and counted in the sizes', async () => {
    const res = await create({ name: 'db-1', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, dataDisks: [{ sizeGiB: 2 }, { sizeGiB: 3 }], autostart: true });
    const body = await json(res);
    assert.equal((await waitOperation(api, res.headers.get('location')!)).state, 'succeeded');
    const inst = await json(await api.call('GET', `/api/v1/instances/${body.instance.id}`));
    assert.deepEqual(inst.dataDisks, [{ slot: 0, sizeBytes: 2 * 1024 ** 3 }, { slot: 1, sizeBytes: 3 * 1024 ** 3 }]);
    const spec = api.hypervisor.specOf(inst.domainName)!;
    assert.deepEqual(spec.disks.map((d) => d.target), ['vda', 'vdb', 'vdc']);
    assert.equal(await api.hypervisor.getAutostart(inst.domainName), true, 'autostart reaches the hypervisor');
    for (const [i, size] of [2, 3].entries()) assert.equal((await api.storage.info(`${inst.id}/data-${i}.qcow2`)).virtualSizeBytes, size * 1024 ** 3);
    const tooMany = await create({ name: 'db-2', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, dataDisks: Array(9).fill({ sizeGiB: 1 }) });
    assert.equal(tooMany.status, 400);
    assert.match((await json(tooMany)).detail, /at most 8 data disks/);
    const del = await api.call('DELETE', `/api/v1/instances/${inst.id}`);
    assert.equal((await waitOperation(api, del.headers.get('location')!)).state, 'succeeded');
    assert.equal(await api.storage.exists(`${inst.id}/data-0.qcow2`), false);
  });

  test('live usage: CPU percent and counters', async () => {
    const usage = await json(await api.call('GET', '/api/v1/instances/web-1/stats'));
    assert.equal(usage.state, 'running');
    assert.ok(usage.cpuPercent >= 0 && usage.cpuPercent <= 100, JSON.stringify(usage));
    for (const key of ['memoryMiB', 'diskReadBytes', 'diskWriteBytes', 'netRxBytes', 'netTxBytes']) assert.equal(typeof usage[key], 'number', key);
    assert.equal((await api.call('GET', '/api/v1/instances/nope/stats')).status, 404);
  });

  test('bad create requests get 4xx with stable codes and create nothing', async () => {
    const cases: [Json, number, string][] = [
      [{ name: 'web-1', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 409, 'instance_name_taken'],
      [{ name: 'bad_name!', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 400, 'validation_failed'],
      [{ name: 'x', cores: 0, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 400, 'validation_failed'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: 'nope' } }, 404, 'image_not_found'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, pool: 'nope' }, 404, 'compute_pool_not_found'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, mediaId: 'nope' }, 404, 'media_not_found'],
      [{ name: 'x', cores: 64, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 507, 'no_host_available'],
      [{ name: 'x', cores: 1, memoryMiB: 1024 * 1024, disk: { source: 'blank', sizeGiB: 1 } }, 507, 'no_host_available'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank' } }, 400, 'validation_failed'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, dataDisks: Array(8).fill({ sizeGiB: 65536 }) }, 507, 'no_host_available'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, extra: 1 }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await create(body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal((await json(res)).code, code, JSON.stringify(body));
    }
    const list = await json(await api.call('GET', '/api/v1/instances'));
    assert.deepEqual(list.items.map((i: Json) => i.name), ['web-1']);
  });

  test('power actions follow the state machine', async () => {
    const act = (action: string) => api.call('POST', `/api/v1/instances/web-1/actions/${action}`);
    assert.equal((await json(await act('start'))).code, 'invalid_instance_state');
    assert.equal((await json(await act('pause'))).state, 'paused');
    assert.equal((await json(await act('resume'))).state, 'running');
    assert.equal((await json(await act('reboot'))).state, 'running');
    assert.equal((await json(await act('reset'))).state, 'running');
    const stop = await act('stop');
    assert.equal(stop.status, 202);
    assert.equal((await waitOperation(api, stop.headers.get('location')!)).state, 'succeeded');
    assert.equal((await json(await api.call('GET', '/api/v1/instances/web-1'))).state, 'stopped');
    assert.equal((await act('stop')).status, 409);
    assert.equal((await json(await act('start'))).state, 'running');
    assert.equal((await json(await act('force-stop'))).state, 'stopped');
    const unknown = await act('explode');
    assert.equal(unknown.status, 404);
    assert.equal((await json(unknown)).code, 'action_not_found');
  });

  test('insert and eject an ISO; an inserted ISO cannot be deleted', async () => {
    const iso = await json(await api.call('POST', '/api/v1/media?name=x.iso', { body: tinyIso() }));
    const inserted = await json(await api.call('POST', '/api/v1/instances/web-1/actions/insert-media', { json: { mediaId: 'x.iso' } }));
    assert.equal(inserted.mediaId, iso.id);
    assert.match(api.hypervisor.specOf(inserted.domainName)!.cdrom.path ?? '', /cache\/media\/iso_.*\.iso$/);
    assert.equal((await json(await api.call('DELETE', `/api/v1/media/${iso.id}`))).code, 'media_in_use');
    const ejected = await json(await api.call('POST', '/api/v1/instances/web-1/actions/eject-media'));
    assert.equal(ejected.mediaId, null);
    assert.equal(api.hypervisor.specOf(inserted.domainName)!.cdrom.path, undefined);
    assert.equal((await api.call('DELETE', `/api/v1/media/${iso.id}`)).status, 204);
    const missing = await api.call('POST', '/api/v1/instances/web-1/actions/insert-media', { json: { mediaId: 'gone' } });
    assert.equal((await json(missing)).code, 'media_not_found');
  });

  test('a linked image cannot be deleted; restart keeps instances; a domain removed behind our back shows as error', async () => {
    const del = await api.call('DELETE', `/api/v1/images/${imageId}`);
    assert.equal(del.status, 409);
    assert.equal((await json(del)).code, 'image_in_use');
    const before = await json(await api.call('GET', '/api/v1/instances/web-1'));
    api = await api.restart();
    const after = await json(await api.call('GET', '/api/v1/instances/web-1'));
    assert.equal(after.state, before.state);
    await api.hypervisor.undefineDomain(before.domainName);
    api = await api.restart();
    const lost = await json(await api.call('GET', '/api/v1/instances/web-1'));
    assert.equal(lost.state, 'error');
    assert.match(lost.stateReason, /missing/);
  });

  test('delete removes the domain, the disk and the row', async () => {
    const inst = await json(await api.call('GET', '/api/v1/instances/web-1'));
    const res = await api.call('DELETE', '/api/v1/instances/web-1');
    assert.equal(res.status, 202);
    assert.equal((await waitOperation(api, res.headers.get('location')!)).state, 'succeeded');
    assert.equal((await api.call('GET', '/api/v1/instances/web-1')).status, 404);
    assert.equal(existsSync(api.agent.paths.instanceDir(inst.id)), false);
    assert.deepEqual(api.storage.list().filter((v) => v.startsWith(`${inst.id}/`)), []);
    assert.equal(await api.hypervisor.findDomain(inst.domainName), undefined);
    assert.equal((await api.call('DELETE', `/api/v1/images/${imageId}`)).status, 204);
  });

  test('a failure half way leaves nothing behind: no row, no disks, no domain', async () => {
    api.hypervisor.failNext('setAutostart', new Error('injected failure after define'));
    const res = await create({ name: 'doomed', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, dataDisks: [{ sizeGiB: 1 }] });
    const body = await json(res);
    const op = await waitOperation(api, res.headers.get('location'));
    assert.equal(op.state, 'failed');
    assert.equal((await api.call('GET', `/api/v1/instances/${body.instance.id}`)).status, 404);
    assert.deepEqual(api.storage.list().filter((v) => v.startsWith(`${body.instance.id}/`)), []);
    assert.equal(existsSync(api.agent.paths.instanceDir(body.instance.id)), false);
    assert.equal(await api.hypervisor.findDomain(body.instance.domainName), undefined);
  });

  test('at attach, domains this installation made that no instance refers to are removed; foreign and legacy domains stay', async () => {
    const made = await json(await api.call('POST', '/api/v1/instances', { json: { name: 'kept', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } } }));
    await waitOperation(api, `/api/v1/operations/${made.operation.id}`);
    const spec = api.hypervisor.specOf(made.instance.domainName);
    assert.ok(spec?.owner?.startsWith('obx_'), 'the domain names this installation as its owner');
    const base = { ...spec!, disks: [], seed: undefined, cdrom: { target: 'sda' } };
    await api.hypervisor.defineDomain({ ...base, name: 'ob-ins_orphan000000', uuid: '00000000-0000-4000-8000-00000000000a', instanceId: 'ins_orphan000000' });
    await api.hypervisor.defineDomain({ ...base, name: 'ob-ins_foreign00000', uuid: '00000000-0000-4000-8000-00000000000b', instanceId: 'ins_foreign00000', owner: 'obx_someoneelse' });
    await api.hypervisor.defineDomain({ ...base, name: 'legacy-vm', uuid: '00000000-0000-4000-8000-00000000000c', instanceId: 'ins_legacy000000', owner: undefined });
    api = await api.restart();
    assert.equal(await api.hypervisor.findDomain('ob-ins_orphan000000'), undefined, 'our orphan is gone');
    assert.ok(await api.hypervisor.findDomain('ob-ins_foreign00000'), "another installation's domain stays");
    assert.ok(await api.hypervisor.findDomain('legacy-vm'), 'a domain without an owner stays');
    assert.ok(await api.hypervisor.findDomain(made.instance.domainName), 'a domain with an instance stays');
    await api.hypervisor.undefineDomain('ob-ins_foreign00000');
    await api.hypervisor.undefineDomain('legacy-vm');
  });
});
