import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeHypervisorDriver } from '../../hypervisor/fake.js';
import { MAX_BATCH_ITEMS, type BatchResult } from '../../shared/batch.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, waitOperation, type Json } from './fixtures.js';

/** 15 instances of 128 MiB fit in 1920 MiB (memory overcommit 1); cores are plenty. */
const HOST = { cpus: 64, memoryMiB: 15 * 128 };

describe('batch create and batch actions (fake hypervisor with room for 15)', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ hypervisor: new FakeHypervisorDriver({ hostInfo: HOST }) });
    await api.bootstrap();
  });
  after(() => api.close());

  const batch = (body: Json) => api.call('POST', '/api/v1/instances/batch', { json: body });
  /** Posts a batch, checks the 202, waits for the parent and returns it with its result. */
  async function runBatch(body: Json): Promise<{ parent: Json; result: BatchResult; accepted: Json }> {
    const res = await batch(body);
    assert.equal(res.status, 202, await res.clone().text());
    const accepted = await json(res);
    const parent = await waitOperation(api, res.headers.get('location'));
    return { parent, result: parent.result as BatchResult, accepted };
  }

  test('create 20 with a prefix where 15 fit: 15 succeed, 5 fail with no_host_available, each reported with its child operation', async () => {
    const { parent, result, accepted } = await runBatch({ action: 'create', count: 20, namePrefix: 'web', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, start: true });
    assert.equal(accepted.operation.kind, 'instance.batch-create');
    assert.equal(accepted.operation.result.items.length, 20, 'the 202 already lists every item and its child operation');
    assert.equal(parent.state, 'failed');
    assert.equal(parent.errorCode, 'batch_items_failed');
    assert.match(parent.errorDetail, /^5 of 20 items failed/);
    assert.deepEqual(result.items.map((i) => i.name), Array.from({ length: 20 }, (_, i) => `web-${i + 1}`));
    const ok = result.items.filter((i) => i.state === 'succeeded');
    const failed = result.items.filter((i) => i.state === 'failed');
    assert.equal(ok.length, 15);
    assert.equal(failed.length, 5);
    for (const item of failed) {
      assert.equal(item.errorCode, 'no_host_available');
      assert.match(item.errorDetail ?? '', /No host in pool 'default' can take 1 cores and 128 MiB/);
    }
    // Each item has its own child operation pointing back at the parent, with the same outcome.
    for (const item of result.items) {
      const child = await json(await api.call('GET', `/api/v1/operations/${item.operationId}`));
      assert.equal(child.parentId, parent.id);
      assert.equal(child.state, item.state);
      assert.equal(child.errorCode, item.errorCode);
    }
    const listed = (await json(await api.call('GET', '/api/v1/instances'))).items as Json[];
    assert.equal(listed.length, 15);
    assert.ok(listed.every((i) => i.state === 'running'));
    assert.deepEqual(new Set(listed.map((i) => i.id)), new Set(ok.map((i) => i.instanceId)));
    assert.equal(parent.progress, 100);
  });

  test('a name that is taken fails its item with instance_name_taken; the others go on', async () => {
    // Room for one more after deleting two of the 15.
    for (const name of ['web-14', 'web-15']) {
      const del = await api.call('DELETE', `/api/v1/instances/${name}`);
      assert.equal((await waitOperation(api, del.headers.get('location'))).state, 'succeeded');
    }
    const { result } = await runBatch({ action: 'create', names: ['db-a', 'web-1', 'db-b'], cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } });
    assert.deepEqual(result.items.map((i) => [i.name, i.state, i.errorCode]), [['db-a', 'succeeded', null], ['web-1', 'failed', 'instance_name_taken'], ['db-b', 'succeeded', null]]);
    assert.match(result.items[1].errorDetail ?? '', /'web-1' already exists/);
    assert.equal((await json(await api.call('GET', '/api/v1/instances/db-b'))).state, 'stopped');
  });

  test('batch actions: stop, start, reboot, force-stop and delete a selection; unknown ids fail their item only', async () => {
    const stop = await runBatch({ action: 'stop', ids: ['web-1', 'web-2', 'nope'] });
    assert.deepEqual(stop.result.items.map((i) => [i.name, i.state, i.errorCode]), [['web-1', 'succeeded', null], ['web-2', 'succeeded', null], ['nope', 'failed', 'instance_not_found']]);
    assert.equal(stop.parent.kind, 'instance.batch-stop');
    for (const name of ['web-1', 'web-2']) assert.equal((await json(await api.call('GET', `/api/v1/instances/${name}`))).state, 'stopped');

    // start: web-3 is already running, so that item fails with the state code and the others still start.
    const start = await runBatch({ action: 'start', ids: ['web-1', 'web-3', 'web-2'] });
    assert.deepEqual(start.result.items.map((i) => [i.name, i.state, i.errorCode]), [['web-1', 'succeeded', null], ['web-3', 'failed', 'invalid_instance_state'], ['web-2', 'succeeded', null]]);
    assert.equal((await json(await api.call('GET', '/api/v1/instances/web-2'))).state, 'running');

    const reboot = await runBatch({ action: 'reboot', ids: ['web-1', 'web-2'] });
    assert.equal(reboot.parent.state, 'succeeded', JSON.stringify(reboot.parent));
    const forceStop = await runBatch({ action: 'force-stop', ids: ['web-1', 'web-2'] });
    assert.equal(forceStop.parent.state, 'succeeded');
    assert.equal((await api.hypervisor.findDomain((await json(await api.call('GET', '/api/v1/instances/web-1'))).domainName))?.state, 'shutoff');

    const ids = [] as string[];
    for (const name of ['web-3', 'web-4', 'web-5']) ids.push((await json(await api.call('GET', `/api/v1/instances/${name}`))).id);
    const domains = await Promise.all(ids.map(async (id) => (await json(await api.call('GET', `/api/v1/instances/${id}`))).domainName as string));
    const del = await runBatch({ action: 'delete', ids: [...ids, 'ins_unknown'] });
    assert.deepEqual(del.result.items.map((i) => [i.name, i.instanceId, i.state]), [['web-3', ids[0], 'succeeded'], ['web-4', ids[1], 'succeeded'], ['web-5', ids[2], 'succeeded'], ['ins_unknown', null, 'failed']]);
    assert.equal(del.result.items[3].errorCode, 'instance_not_found');
    assert.match(del.result.items[3].errorDetail ?? '', /ins_unknown/);
    for (const id of ids) assert.equal((await api.call('GET', `/api/v1/instances/${id}`)).status, 404);
    for (const d of domains) assert.equal(await api.hypervisor.findDomain(d), undefined, `domain ${d} removed`);
    assert.equal(await api.storage.exists(`${ids[0]}/system.qcow2`), false);
    // The rest is untouched.
    assert.equal((await json(await api.call('GET', '/api/v1/instances'))).items.length, 15 - 2 + 2 - 3);
  });

  test('bad batches are refused whole with a code: too large, bad names, no names, unknown action', async () => {
    const cases: [Json, number, string][] = [
      [{ action: 'create', count: MAX_BATCH_ITEMS + 1, namePrefix: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 400, 'batch_too_large'],
      [{ action: 'delete', ids: Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => `i${i}`) }, 400, 'batch_too_large'],
      [{ action: 'create', names: ['ok', 'bad_name!'], cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 400, 'validation_failed'],
      [{ action: 'create', count: 2, cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 400, 'validation_failed'],
      [{ action: 'create', namePrefix: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 400, 'validation_failed'],
      [{ action: 'create', count: 1, namePrefix: 'x', name: 'y', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 400, 'validation_failed'],
      [{ action: 'reset', ids: ['web-1'] }, 400, 'validation_failed'],
      [{ action: 'stop', ids: [] }, 400, 'validation_failed'],
    ];
    const before = (await json(await api.call('GET', '/api/v1/operations'))).items.length;
    for (const [body, status, code] of cases) {
      const res = await batch(body);
      assert.equal(res.status, status, JSON.stringify(body).slice(0, 80));
      assert.equal((await json(res)).code, code, JSON.stringify(body).slice(0, 80));
    }
    assert.equal((await json(await api.call('GET', '/api/v1/operations'))).items.length, before, 'a refused batch starts nothing');
  });

  test('a single create still works beside batches and has no parent', async () => {
    const { operation } = await createInstance(api, instanceBody('solo'));
    assert.equal(operation.state, 'succeeded');
    assert.equal(operation.parentId, null);
  });
});
