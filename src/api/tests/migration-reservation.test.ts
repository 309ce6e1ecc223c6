/**
 * A migration holds the instance's room on its target host while it runs: in-process with fake
 * hosts of known size, each migration stopped at a known point in the fake driver (a live one
 * after its first progress report, a cold one at the target's define). Meanwhile a create that
 * fits the target only without the hold is refused there (and placed elsewhere when not pinned);
 * once the move is recorded the instance's own claim counts there instead; a failed or cancelled
 * migration leaves nothing held; a restart releases what a cut-off one left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hostClaims, migrationReservations } from '../../db/schema.js';
import { FakeHypervisorDriver } from '../../hypervisor/fake.js';
import { claimsOf } from '../../services/host-candidates.js';
import { addFakeHost, startTestApi, type FakeHost, type TestApi } from '../test-harness.js';
import { createInstance, diskBytesOn, instanceBody, json, waitOperation, type Json } from './fixtures.js';

describe('a migration reserves its target host', () => {
  let api: TestApi;
  let b: FakeHost;
  let localId = '';

  before(async () => {
    api = await startTestApi({ hypervisor: new FakeHypervisorDriver({ hostInfo: { cpus: 2, memoryMiB: 2048 } }) });
    await api.bootstrap();
    b = await addFakeHost(api, { name: 'b', cpus: 2, memoryMiB: 1024 });
    api.hypervisor.migrationPeer = b.hypervisor; // a live migration from the local host arrives on b
    localId = api.services.hosts.list().find((h) => h.id !== b.id)!.id;
  });
  after(() => api.close());

  /** host_claims as stored, and as summed from the instances and reservations: they must agree. */
  const claims = () => {
    const kept = Object.fromEntries(api.db.select().from(hostClaims).all().map((c) => [c.hostId, c.memoryMiB]));
    const summed = Object.fromEntries(claimsOf(api.db).map((c) => [c.hostId, c.memory]));
    assert.deepEqual(Object.fromEntries(Object.entries(kept).filter(([, m]) => m !== 0)), summed, 'host_claims equals the instances\' and reservations\' sums');
    return kept;
  };
  const start = async (name: string, hostId: string, memoryMiB: number) => {
    const { instance } = await createInstance(api, instanceBody(name, { memoryMiB, hostId }));
    assert.equal((await api.call('POST', `/api/v1/instances/${instance.id}/actions/start`)).status, 200);
    await api.services.operations.settled();
    return instance;
  };
  const migrate = (id: string, hostId: string, live: boolean) => api.call('POST', `/api/v1/instances/${id}/actions/migrate`, { json: { hostId, live } });
  const createOn = (name: string, memoryMiB: number, hostId?: string) => api.call('POST', '/api/v1/instances', { json: instanceBody(name, { memoryMiB, ...(hostId ? { hostId } : {}) }) });

  test('while a live migration to b runs, a create that fits b only without the hold is refused there and placed elsewhere; after the move the numbers are right', async () => {
    const vm = await start('mover', localId, 768);
    const hold = api.hypervisor.holdNextMigration();
    const res = await migrate(vm.id, b.id, true);
    assert.equal(res.status, 202, await res.clone().text());
    await hold.reached;
    assert.equal(claims()[b.id], 768, 'b holds the migrating instance\'s memory');

    const refused = await createOn('late', 512, b.id);
    const body = await json(refused);
    assert.equal(refused.status, 507, JSON.stringify(body));
    assert.equal(body.code, 'no_host_available');
    assert.match(body.detail, /b: not enough memory for 512 MiB more \(768 MiB of 1\.0 GiB claimed/);
    const elsewhere = await createOn('late', 512);
    assert.equal(elsewhere.status, 202, await elsewhere.clone().text());
    const late = (await json(elsewhere)).instance as Json;
    assert.equal(late.hostId, localId, 'the scheduler placed it on the other host');
    await waitOperation(api, elsewhere.headers.get('location'));

    // The target can neither go nor change pools while the instance is on its way there.
    for (const [method, body] of [['DELETE', undefined], ['PATCH', { poolId: null }]] as const) {
      const refusedHost = await api.call(method, `/api/v1/hosts/${b.id}`, body ? { json: body } : {});
      const problem = await json(refusedHost);
      assert.equal(refusedHost.status, 409, JSON.stringify(problem));
      assert.equal(problem.code, 'host_has_instances');
      assert.match(problem.detail, /1 instance is migrating to host 'b'; wait for that migration to end/);
    }

    hold.release();
    const done = await waitOperation(api, res.headers.get('location'));
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    const moved = await json(await api.call('GET', `/api/v1/instances/${vm.id}`));
    assert.equal(moved.hostId, b.id);
    assert.equal(moved.state, 'running');
    assert.equal(api.db.select().from(migrationReservations).all().length, 0, 'no reservation outlives the migration');
    const after = claims();
    assert.equal(after[b.id], 768, 'the instance\'s own claim took the reservation\'s place, not on top of it');
    assert.equal(after[localId], 512, 'only the late instance is left on the source');
    // What is left of b is exactly 256 MiB: a create of that size fits there, one more MiB would not.
    const targets = (await json(await api.call('GET', `/api/v1/instances/${late.id}/migration-targets`))).items as Json[];
    assert.match(targets.find((t) => t.hostId === b.id)?.reasons.join(), /not enough memory for 512 MiB more \(768 MiB of 1\.0 GiB claimed/);
    const fits = await createOn('fits', 256, b.id);
    assert.equal(fits.status, 202, await fits.clone().text());
    await waitOperation(api, fits.headers.get('location'));
    assert.equal(claims()[b.id], 1024);
    for (const id of [(await json(fits)).instance.id, vm.id, late.id]) {
      await api.call('POST', `/api/v1/instances/${id}/actions/force-stop`);
      await api.services.operations.settled();
      await waitOperation(api, (await api.call('DELETE', `/api/v1/instances/${id}`)).headers.get('location'));
    }
    assert.deepEqual(Object.values(claims()).filter((m) => m !== 0), []);
  });

  test('a failed live migration leaves nothing held on its target', async () => {
    const vm = await start('failing', localId, 768);
    api.hypervisor.failNextMigration = true;
    const done = await waitOperation(api, (await migrate(vm.id, b.id, true)).headers.get('location'));
    assert.equal(done.state, 'failed');
    assert.equal(done.errorCode, 'live_migration_failed');
    assert.match(done.errorDetail, /the fake destination refused it/);
    assert.equal(api.db.select().from(migrationReservations).all().length, 0);
    assert.equal(claims()[b.id] ?? 0, 0, 'b holds nothing');
    const shown = await json(await api.call('GET', `/api/v1/instances/${vm.id}`));
    assert.deepEqual([shown.hostId, shown.state], [localId, 'running']);
    const fits = await createOn('whole-b', 1024, b.id);
    assert.equal(fits.status, 202, await fits.clone().text());
    await waitOperation(api, fits.headers.get('location'));
    await waitOperation(api, (await api.call('DELETE', `/api/v1/instances/${(await json(fits)).instance.id}`)).headers.get('location'));
    await api.call('POST', `/api/v1/instances/${vm.id}/actions/force-stop`);
    await api.services.operations.settled();
  });

  test('a cold migration holds its target until its define there, and a cancel then leaves the instance stopped where it was and nothing held', async () => {
    const vm = (await api.call('GET', '/api/v1/instances/failing').then(json));
    assert.equal(vm.state, 'stopped');
    await diskBytesOn(api, vm.id);
    const hold = b.hypervisor.holdNext('defineDomain');
    const res = await migrate(vm.id, b.id, false);
    assert.equal(res.status, 202, await res.clone().text());
    const op = (await json(res)).operation as Json;
    assert.equal(op.cancellable, true, 'a cold migration takes a cancel too');
    await hold.reached;
    assert.equal(claims()[b.id], 768);
    const refused = await createOn('late', 512, b.id);
    assert.equal(refused.status, 507, await refused.clone().text());
    assert.equal((await api.call('POST', `/api/v1/operations/${op.id}/actions/cancel`)).status, 202);
    hold.release();
    const done = await waitOperation(api, res.headers.get('location'));
    assert.equal(done.state, 'failed');
    assert.equal(done.errorCode, 'migration_cancelled', JSON.stringify(done));
    const shown = await json(await api.call('GET', `/api/v1/instances/${vm.id}`));
    assert.deepEqual([shown.hostId, shown.state], [localId, 'stopped']);
    assert.equal(claims()[b.id] ?? 0, 0);
    assert.deepEqual(await b.hypervisor.listDomains(), [], 'the target forgot the definition');
    assert.deepEqual(await b.agent.volumes.listInstanceFiles(vm.id, api.services.storagePools.specOf(null)), [], 'and the copy');
  });

  test('a restart releases the room a migration cut off by the last shutdown held', async () => {
    const vm = (await api.call('GET', '/api/v1/instances/failing').then(json));
    // What a controller killed mid-migration leaves: the reservation row (its operation is marked failed at the next start).
    api.db.insert(migrationReservations).values({ instanceId: vm.id, hostId: b.id, cores: 1, memoryMiB: 768, diskBytes: 1024 ** 3 }).run();
    assert.equal(claims()[b.id], 768);
    api = await api.restart();
    assert.equal(api.db.select().from(migrationReservations).all().length, 0);
    assert.equal(claims()[b.id] ?? 0, 0);
  });
});
