/**
 * GET /instances/:id/migration-targets and the refusal of a named target that cannot take the
 * instance (409 migration_target_unfit with its reasons), in-process with fake hosts of known size.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeHypervisorDriver } from '../../hypervisor/fake.js';
import { addFakeHost, startTestApi, type FakeHost, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, type Json } from './fixtures.js';

describe('migration targets: each host of the pool with whether it fits and why not', () => {
  let api: TestApi;
  let roomy: FakeHost;
  let small: FakeHost;
  let vm: Json;
  before(async () => {
    api = await startTestApi({ hypervisor: new FakeHypervisorDriver({ hostInfo: { cpus: 2, memoryMiB: 2048 } }) });
    await api.bootstrap();
    roomy = await addFakeHost(api, { name: 'roomy', cpus: 4, memoryMiB: 4096 });
    small = await addFakeHost(api, { name: 'small', cpus: 1, memoryMiB: 256 });
    const local = api.services.hosts.list().find((h) => h.id !== roomy.id && h.id !== small.id)!;
    vm = (await createInstance(api, instanceBody('mover', { memoryMiB: 512, hostId: local.id }))).instance;
  });
  after(() => api.close());

  test('the current host never fits, a host with room does, a small one says what it lacks', async () => {
    const res = await api.call('GET', `/api/v1/instances/${vm.id}/migration-targets`);
    assert.equal(res.status, 200);
    const items = new Map(((await json(res)).items as Json[]).map((h) => [h.hostId, [h.fits, h.reasons]]));
    assert.equal(items.size, 3);
    assert.deepEqual(items.get(vm.hostId), [false, ['its current host']]);
    assert.deepEqual(items.get(roomy.id), [true, []]);
    assert.deepEqual(items.get(small.id), [false, ['not enough memory for 512 MiB more (0 MiB of 256 MiB claimed — 256 MiB × 1 overcommit)']]);
  });

  test('a disabled host says so; migrating to it, or to the small one, is 409 migration_target_unfit naming the host and its reasons', async () => {
    assert.equal((await api.call('PATCH', `/api/v1/hosts/${roomy.id}`, { json: { enabled: false } })).status, 200);
    const items = (await json(await api.call('GET', `/api/v1/instances/${vm.id}/migration-targets`))).items as Json[];
    assert.deepEqual(items.find((h) => h.hostId === roomy.id)?.reasons, ['disabled for scheduling']);
    for (const [host, reason] of [[roomy, 'disabled for scheduling'], [small, 'not enough memory for 512 MiB more']] as const) {
      const refused = await api.call('POST', `/api/v1/instances/${vm.id}/actions/migrate`, { json: { hostId: host.name } });
      assert.equal(refused.status, 409);
      const body = await json(refused);
      assert.equal(body.code, 'migration_target_unfit');
      assert.ok(body.detail.startsWith(`Host '${host.name}' cannot take instance 'mover' (1 cores, 512 MiB): ${reason}`), body.detail);
      assert.equal(body.hosts[0].host, host.name);
    }
    assert.equal((await api.call('PATCH', `/api/v1/hosts/${roomy.id}`, { json: { enabled: true } })).status, 200);
    assert.equal((await json(await api.call('GET', `/api/v1/instances/${vm.id}`))).state, 'stopped', 'the instance stays as it was');
  });

  test('an unknown instance is 404 instance_not_found', async () => {
    const res = await api.call('GET', '/api/v1/instances/ins_nope/migration-targets');
    assert.equal(res.status, 404);
    assert.equal((await json(res)).code, 'instance_not_found');
  });
});
