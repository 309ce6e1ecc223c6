/**
 * The sweep a host's attach runs (what cut-off migrations left there) against a cold migration to
 * that host, interleaved at known points with the fake driver: the sweep works on each instance
 * under its lock and on its row read again, so a migration that started (held) or ended (recorded
 * there) since the sweep listed the instances keeps its fresh copy and its definition.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeHypervisorDriver } from '../../hypervisor/fake.js';
import { addFakeHost, startTestApi, type FakeHost, type TestApi } from '../test-harness.js';
import { createInstance, diskBytesOn, instanceBody, json, waitOperation, type Json } from './fixtures.js';

describe('the attach sweep and a cold migration to the same host', () => {
  let api: TestApi;
  let b: FakeHost;
  let localId = '';

  before(async () => {
    api = await startTestApi({ hypervisor: new FakeHypervisorDriver({ hostInfo: { cpus: 4, memoryMiB: 4096 } }) });
    await api.bootstrap();
    b = await addFakeHost(api, { name: 'b', cpus: 4, memoryMiB: 4096 });
    localId = api.services.hosts.list().find((h) => h.id !== b.id)!.id;
  });
  after(() => api.close());

  const stoppedOnLocal = async (name: string): Promise<Json> => {
    const { instance } = await createInstance(api, instanceBody(name, { hostId: localId }));
    await diskBytesOn(api, instance.id);
    return instance;
  };
  const migrate = (id: string) => api.call('POST', `/api/v1/instances/${id}/actions/migrate`, { json: { hostId: b.id } });
  // The instance's directory on b as it is on disk (b's fake storage knows nothing of files a copy brought).
  const filesOnB = async (id: string) => (await readdir(join(b.agent.paths.instancesDir, id)).catch(() => [])).sort();
  const domainsOnB = async () => (await b.hypervisor.listDomains()).map((d) => d.name);

  test('a sweep while a migration to the host is between its copy and its define leaves the copy alone', async () => {
    const vm = await stoppedOnLocal('held');
    const hold = b.hypervisor.holdNext('defineDomain');
    const res = await migrate(vm.id);
    assert.equal(res.status, 202, await res.clone().text());
    await hold.reached; // the copy is committed on b, the move not recorded yet
    assert.deepEqual(await filesOnB(vm.id), ['system.qcow2']);
    assert.deepEqual(await api.services.migrator.sweepLeftovers(b.id), []);
    assert.deepEqual(await filesOnB(vm.id), ['system.qcow2'], 'the fresh copy is still there');
    hold.release();
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    assert.equal((await json(await api.call('GET', `/api/v1/instances/${vm.id}`))).hostId, b.id);
    assert.deepEqual(await filesOnB(vm.id), ['system.qcow2']);
  });

  test('a migration recorded on the host after the sweep listed the instances keeps its definition and files there', async () => {
    await stoppedOnLocal('a-first');
    const vm = await stoppedOnLocal('b-moving');
    // The sweep takes the instances in name order: hold it at its first look on b, at a-first, with b-moving listed as living elsewhere.
    const hold = b.hypervisor.holdNext('findDomain');
    const sweeping = api.services.migrator.sweepLeftovers(b.id);
    await hold.reached;
    const done = await waitOperation(api, (await migrate(vm.id)).headers.get('location'));
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    const moved = await json(await api.call('GET', `/api/v1/instances/${vm.id}`));
    assert.deepEqual([moved.hostId, moved.state], [b.id, 'stopped']);
    const domain = (await domainsOnB()).find((d) => d.includes(vm.id));
    assert.ok(domain, 'the migration defined it on b');
    hold.release();
    assert.deepEqual(await sweeping, [], 'the sweep read the row again and left the instance that now lives on b');
    assert.ok((await domainsOnB()).includes(domain), 'its definition on b is still there');
    assert.deepEqual(await filesOnB(vm.id), ['system.qcow2'], 'and its files');
    const started = await api.call('POST', `/api/v1/instances/${vm.id}/actions/start`);
    assert.equal(started.status, 200, await started.clone().text());
    assert.equal((await json(started)).state, 'running');
  });
});
