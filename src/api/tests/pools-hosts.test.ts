import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { hosts } from '../../db/schema.js';
import { startTestApi, type TestApi } from '../test-harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('pools and hosts', () => {
  let api: TestApi;
  let hostId: string;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    hostId = ((await (await api.call('GET', '/api/v1/hosts')).json()) as Json).items[0].id;
  });
  after(() => api.close());
  const json = async (res: Response) => (await res.json()) as Json;

  test('hosts show online state, accelerator and disk capacity', async () => {
    const host = await json(await api.call('GET', `/api/v1/hosts/${hostId}`));
    assert.equal(host.online, true);
    assert.equal(host.accel, 'tcg');
    assert.ok(host.diskTotalBytes > 0 && host.diskFreeBytes > 0 && host.diskFreeBytes <= host.diskTotalBytes);
  });

  test('lastSeenAt moves while the host answers', async () => {
    const old = new Date(Date.now() - 60_000).toISOString();
    api.db.update(hosts).set({ lastSeenAt: old }).where(eq(hosts.id, hostId)).run();
    // Within a heartbeat (or at once, when reading observes it): never frozen at start.
    const deadline = Date.now() + 15_000;
    let seen = old;
    while (Date.parse(seen) < Date.parse(old) + 50_000 && Date.now() < deadline) {
      seen = (await json(await api.call('GET', `/api/v1/hosts/${hostId}`))).lastSeenAt as string;
      if (Date.parse(seen) < Date.parse(old) + 50_000) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(Date.parse(seen) > Date.parse(old) + 50_000, `lastSeenAt ${seen} was brought up to now`);
  });

  test('create a pool, move the host into it, disable it; rules refuse what would break things', async () => {
    const created = await api.call('POST', '/api/v1/pools', { json: { name: 'gpu' } });
    assert.equal(created.status, 201);
    const pool = await json(created);
    assert.equal(pool.cpuOvercommit, 4);
    assert.equal((await json(await api.call('POST', '/api/v1/pools', { json: { name: 'gpu' } }))).code, 'pool_name_taken');
    assert.equal((await json(await api.call('POST', '/api/v1/pools', { json: { name: 'bad name' } }))).code, 'validation_failed');

    const moved = await json(await api.call('PATCH', `/api/v1/hosts/${hostId}`, { json: { poolId: pool.id } }));
    assert.equal(moved.poolId, pool.id);
    // The default pool now has no host: creating there is refused with the reason.
    const noHost = await api.call('POST', '/api/v1/instances', { json: { name: 'x', cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 } } });
    assert.equal(noHost.status, 507);
    assert.match((await json(noHost)).detail, /pool 'default'/);
    const inGpu = await api.call('POST', '/api/v1/instances', { json: { name: 'x', pool: 'gpu', cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 } } });
    assert.equal(inGpu.status, 202);
    await api.services.operations.settled();

    const busy = await api.call('PATCH', `/api/v1/hosts/${hostId}`, { json: { poolId: null } });
    assert.equal((await json(busy)).code, 'host_has_instances');
    assert.equal((await json(await api.call('DELETE', `/api/v1/pools/${pool.id}`))).code, 'pool_not_empty');
    assert.equal((await json(await api.call('DELETE', '/api/v1/pools/default'))).code, 'pool_is_default');
    assert.equal((await json(await api.call('PATCH', `/api/v1/hosts/${hostId}`, { json: {} }))).code, 'validation_failed');
    assert.equal((await json(await api.call('PATCH', `/api/v1/hosts/${hostId}`, { json: { poolId: 'pool_nope' } }))).code, 'compute_pool_not_found');

    const disabled = await json(await api.call('PATCH', `/api/v1/hosts/${hostId}`, { json: { enabled: false } }));
    assert.equal(disabled.enabled, false);
    const refused = await api.call('POST', '/api/v1/instances', { json: { name: 'y', pool: 'gpu', cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 } } });
    assert.match((await json(refused)).detail, /disabled for scheduling/);

    await api.services.operations.settled((await json(await api.call('DELETE', '/api/v1/instances/x'))).operation.id);
    await api.call('PATCH', `/api/v1/hosts/${hostId}`, { json: { poolId: null, enabled: true } });
    assert.equal((await api.call('DELETE', '/api/v1/pools/gpu')).status, 204);
  });

  // The harness's host is this machine's own namespace: only reads and refusals here, never a change
  // (test/system/bridge-setup.test.ts makes bridges, inside a lab namespace).
  test("a host's interfaces, and bridge-setup refusals with their codes", async () => {
    const items = (await json(await api.call('GET', `/api/v1/hosts/${hostId}/interfaces`))).items as Json[];
    const lo = items.find((i) => i.name === 'lo');
    assert.deepEqual([lo?.kind, lo?.master, lo?.defaultRoute, lo?.addresses.includes('127.0.0.1/8')], ['loopback', null, false, true]);
    const cases: [Json, number, string][] = [
      [{ nic: 'lo', confirm: true }, 409, 'nic_is_loopback'],
      [{ nic: 'onebox-none0', confirm: true }, 404, 'nic_not_found'],
      [{ nic: 'a b', confirm: true }, 400, 'validation_failed'],
      [{ confirm: true }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await api.call('POST', `/api/v1/hosts/${hostId}/bridge-setup`, { json: body });
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${await res.clone().text()}`);
      assert.equal((await json(res)).code, code);
    }
    assert.equal((await api.call('GET', '/api/v1/hosts/host_nope/interfaces')).status, 404);
  });
});
