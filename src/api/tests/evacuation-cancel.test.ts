/**
 * Cancelling a host evacuation and its children, in-process with the fake hypervisor (each live
 * migration stopped after its first progress report until released or aborted): cancelling the
 * parent cancels the child migration under way and starts no more; a child cancelled alone fails
 * with its cancel code and the evacuation goes on with the next instance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrationReservations } from '../../db/schema.js';
import { FakeHypervisorDriver } from '../../hypervisor/fake.js';
import { addFakeHost, startTestApi, type FakeHost, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, waitOperation, type Json } from './fixtures.js';

describe('cancelling an evacuation', () => {
  let api: TestApi;
  let b: FakeHost;
  let localId = '';
  const vms: Json[] = [];

  before(async () => {
    api = await startTestApi({ hypervisor: new FakeHypervisorDriver({ hostInfo: { cpus: 4, memoryMiB: 4096 } }) });
    await api.bootstrap();
    b = await addFakeHost(api, { name: 'b', cpus: 4, memoryMiB: 4096 });
    api.hypervisor.migrationPeer = b.hypervisor;
    localId = api.services.hosts.list().find((h) => h.id !== b.id)!.id;
    for (const name of ['e1', 'e2']) {
      const { instance } = await createInstance(api, instanceBody(name, { hostId: localId }));
      assert.equal((await api.call('POST', `/api/v1/instances/${instance.id}/actions/start`)).status, 200);
      vms.push(instance);
    }
  });
  after(() => api.close());

  /** Starts evacuating the local host to b with its first migration held; resolves once that migration is under way. */
  const evacuateHeld = async () => {
    const hold = api.hypervisor.holdNextMigration();
    const res = await api.call('POST', `/api/v1/hosts/${localId}/actions/evacuate`, { json: { hostId: b.id } });
    assert.equal(res.status, 202, await res.clone().text());
    const parent = (await json(res)).operation as Json;
    assert.equal(parent.cancellable, true);
    await hold.reached;
    const items = (await json(await api.call('GET', `/api/v1/operations/${parent.id}`))).result.items as Json[];
    assert.equal(items.length, 1, 'one child at a time');
    const child = await json(await api.call('GET', `/api/v1/operations/${items[0].operationId}`));
    assert.deepEqual([child.kind, child.state, child.cancellable, child.parentId], ['instance.migrate', 'running', true, parent.id]);
    return { parent, child };
  };
  const cancel = (id: string) => api.call('POST', `/api/v1/operations/${id}/actions/cancel`);
  const where = async (vm: Json) => {
    const shown = await json(await api.call('GET', `/api/v1/instances/${vm.id}`));
    return [shown.hostId, shown.state];
  };

  test('cancelling the evacuation cancels its running child and starts no other; everything stays on the host, nothing held on the target', async () => {
    const { parent, child } = await evacuateHeld();
    const res = await cancel(parent.id);
    assert.equal(res.status, 202, await res.clone().text());
    const done = await waitOperation(api, `/api/v1/operations/${parent.id}`);
    assert.equal(done.state, 'failed');
    assert.equal(done.errorCode, 'evacuation_cancelled');
    assert.match(done.errorDetail, /^Evacuating host '[^']+' was cancelled: 0 of 2 instances moved/);
    assert.deepEqual(done.result.items.map((i: Json) => [i.operationId, i.state, i.errorCode]), [[child.id, 'failed', 'live_migration_cancelled']]);
    assert.equal((await json(await api.call('GET', `/api/v1/operations/${child.id}`))).errorCode, 'live_migration_cancelled');
    assert.deepEqual(await where(vms[0]), [localId, 'running']);
    assert.deepEqual(await where(vms[1]), [localId, 'running']);
    assert.equal(api.hypervisor.migrations.length, 1, 'the second instance never started moving');
    assert.equal(api.db.select().from(migrationReservations).all().length, 0);
    const again = await json(await cancel(parent.id));
    assert.equal(again.code, 'operation_not_cancellable');
  });

  test('a child cancelled alone fails with its cancel code and the evacuation goes on with the next instance', async () => {
    const { parent, child } = await evacuateHeld();
    assert.equal((await cancel(child.id)).status, 202);
    const done = await waitOperation(api, `/api/v1/operations/${parent.id}`);
    assert.equal(done.errorCode, 'batch_items_failed', JSON.stringify(done));
    assert.deepEqual(done.result.items.map((i: Json) => [i.name, i.state, i.errorCode]), [['e1', 'failed', 'live_migration_cancelled'], ['e2', 'succeeded', null]]);
    assert.deepEqual(await where(vms[0]), [localId, 'running']);
    assert.deepEqual(await where(vms[1]), [b.id, 'running']);
    assert.equal(api.db.select().from(migrationReservations).all().length, 0);
  });
});
