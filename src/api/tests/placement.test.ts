import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { instances } from '../../db/schema.js';
import { FakeHypervisorDriver } from '../../hypervisor/fake.js';
import type { BatchResult } from '../../shared/batch.js';
import { addFakeHost, startTestApi, type TestApi } from '../test-harness.js';
import { instanceBody, json, waitOperation, type Json } from './fixtures.js';

/** Four hosts of known size (the local one and three fake peers); the pool overcommits cores 4× and memory 2×. */
const LOCAL = { cpus: 1, memoryMiB: 512 };
const PEERS = [
  { name: 'host-a', cpus: 2, memoryMiB: 2048 },
  { name: 'host-b', cpus: 4, memoryMiB: 4096 },
  { name: 'host-c', cpus: 1, memoryMiB: 1024 },
];
const CPU_OVERCOMMIT = 4;
const MEMORY_OVERCOMMIT = 2;
const ASK = { cores: 1, memoryMiB: 256 };

describe('placement across hosts: 50 concurrent creates never over-book a host', () => {
  let api: TestApi;
  /** How many instances of ASK the hosts take in all. */
  let capacity = 0;
  before(async () => {
    api = await startTestApi({ hypervisor: new FakeHypervisorDriver({ hostInfo: LOCAL }) });
    await api.bootstrap();
    for (const peer of PEERS) await addFakeHost(api, peer);
    const patched = await api.call('PATCH', '/api/v1/pools/default', { json: { memoryOvercommit: MEMORY_OVERCOMMIT, cpuOvercommit: CPU_OVERCOMMIT } });
    assert.equal(patched.status, 200, await patched.clone().text());
    assert.equal((await json(patched)).memoryOvercommit, MEMORY_OVERCOMMIT);
    for (const h of api.services.hosts.list()) capacity += Math.min(Math.floor((h.cpus * CPU_OVERCOMMIT) / ASK.cores), Math.floor((h.memoryMiB * MEMORY_OVERCOMMIT) / ASK.memoryMiB));
    assert.equal(api.services.hosts.list().length, 4);
    assert.equal(capacity, 4 + 8 + 16 + 4, 'the local host takes 4 (cores), host-a 8 (cores), host-b 16 (cores), host-c 4 (cores)');
  });
  after(() => api.close());

  /** Per host: claimed cores and memory never above its size × the overcommit; returns how many instances each holds. */
  function assertNotOverbooked(): Map<string, number> {
    const perHost = new Map<string, { cores: number; memoryMiB: number; n: number }>();
    for (const row of api.db.select().from(instances).all()) {
      const h = perHost.get(row.hostId) ?? { cores: 0, memoryMiB: 0, n: 0 };
      perHost.set(row.hostId, { cores: h.cores + row.cores, memoryMiB: h.memoryMiB + row.memoryMiB, n: h.n + 1 });
    }
    for (const host of api.services.hosts.list()) {
      const used = perHost.get(host.id) ?? { cores: 0, memoryMiB: 0, n: 0 };
      assert.ok(used.cores <= host.cpus * CPU_OVERCOMMIT, `${host.name}: ${used.cores} cores claimed > ${host.cpus} × ${CPU_OVERCOMMIT}`);
      assert.ok(used.memoryMiB <= host.memoryMiB * MEMORY_OVERCOMMIT, `${host.name}: ${used.memoryMiB} MiB claimed > ${host.memoryMiB} × ${MEMORY_OVERCOMMIT}`);
    }
    return new Map([...perHost].map(([id, v]) => [api.services.hosts.get(id).name, v.n]));
  }

  /** Every host is refused for cores or memory, and the detail names each. */
  function assertRefusedForCapacity(detail: string, hosts: { host: string; reasons: string[] }[] | undefined): void {
    const names = api.services.hosts.list().map((h) => h.name).sort();
    assert.deepEqual(hosts?.map((h) => h.host).sort(), names);
    for (const h of hosts ?? []) {
      assert.ok(h.reasons.length > 0);
      for (const r of h.reasons) assert.match(r, /^not enough (vCPUs|memory) for /, `${h.host}: ${r}`);
      assert.ok(detail.includes(`${h.host}: ${h.reasons[0]}`), `the detail names ${h.host}: ${detail}`);
    }
  }

  async function deleteAll(): Promise<void> {
    const all = api.db.select({ id: instances.id }).from(instances).all();
    await Promise.all(all.map(async ({ id }) => {
      const del = await api.call('DELETE', `/api/v1/instances/${id}`);
      assert.equal(del.status, 202, await del.clone().text());
      assert.equal((await waitOperation(api, del.headers.get('location'))).state, 'succeeded');
    }));
    assert.equal(api.db.select().from(instances).all().length, 0);
  }

  test('50 concurrent POST /instances: exactly the capacity is placed, the rest refused with each host\'s reasons', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => api.call('POST', '/api/v1/instances', { json: instanceBody(`c-${i}`, ASK) })));
    const accepted = answers.filter((r) => r.status === 202);
    const refused = answers.filter((r) => r.status !== 202);
    assert.equal(accepted.length, capacity);
    for (const res of refused) {
      const body = await json(res);
      assert.equal(res.status, 507);
      assert.equal(body.code, 'no_host_available');
      assert.match(body.detail, /^No host in pool 'default' can take 1 cores and 256 MiB: /);
      assertRefusedForCapacity(body.detail, body.hosts);
    }
    for (const res of accepted) assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    const perHost = assertNotOverbooked();
    assert.deepEqual(Object.fromEntries([...perHost].sort()), { 'fake-host': 4, 'host-a': 8, 'host-b': 16, 'host-c': 4 }, 'every host is filled to its capacity, none beyond');
  });

  test('a batch of 50: the capacity succeeds, the rest fail with no_host_available', async () => {
    await deleteAll();
    const res = await api.call('POST', '/api/v1/instances/batch', { json: { action: 'create', count: 50, namePrefix: 'b', ...ASK, disk: { source: 'blank', sizeGiB: 1 } } });
    assert.equal(res.status, 202, await res.clone().text());
    const parent = await waitOperation(api, res.headers.get('location'));
    const result = parent.result as BatchResult;
    const ok = result.items.filter((i) => i.state === 'succeeded');
    const failed = result.items.filter((i) => i.state === 'failed');
    assert.equal(ok.length, capacity);
    assert.equal(failed.length, 50 - capacity);
    for (const item of failed) {
      assert.equal(item.errorCode, 'no_host_available');
      for (const name of ['fake-host', 'host-a', 'host-b', 'host-c']) assert.match(item.errorDetail ?? '', new RegExp(`${name}: not enough (vCPUs|memory)`));
    }
    assertNotOverbooked();
  });

  test('a pinned host is used, and still checked: refused with its own reasons when full, 404 when unknown', async () => {
    // Everything is full after the batch: free one place on host-c.
    const onC = api.db.select().from(instances).all().find((r) => r.hostId === api.services.hosts.get('host-c').id);
    assert.ok(onC);
    const del = await api.call('DELETE', `/api/v1/instances/${onC.id}`);
    assert.equal((await waitOperation(api, del.headers.get('location'))).state, 'succeeded');

    const full = await api.call('POST', '/api/v1/instances', { json: instanceBody('pin-b', { ...ASK, hostId: 'host-b' }) });
    assert.equal(full.status, 507);
    const body = await json(full);
    assert.deepEqual(body.hosts, [{ host: 'host-b', reasons: ['not enough vCPUs for 1 more (16 of 16 vCPUs claimed — 4 cores × 4 overcommit)'] }]);
    assert.match(body.detail, /host-b: not enough vCPUs/);
    assert.doesNotMatch(body.detail, /host-a|host-c|fake-host/);

    const unknown = await api.call('POST', '/api/v1/instances', { json: instanceBody('pin-x', { ...ASK, hostId: 'no-such-host' }) });
    assert.equal(unknown.status, 404);
    assert.equal((await json(unknown)).code, 'host_not_found');

    const ok = await api.call('POST', '/api/v1/instances', { json: instanceBody('pin-c', { ...ASK, hostId: 'host-c' }) });
    assert.equal(ok.status, 202, await ok.clone().text());
    const placed = (await json(ok)).instance as Json;
    assert.equal(placed.hostId, api.services.hosts.get('host-c').id);
    assert.equal((await waitOperation(api, ok.headers.get('location'))).state, 'succeeded');
    assertNotOverbooked();
  });

  test('a disabled host is skipped and says so; PATCH /pools/:id validates its settings', async () => {
    await deleteAll();
    for (const name of ['fake-host', 'host-a', 'host-b']) assert.equal((await api.call('PATCH', `/api/v1/hosts/${name}`, { json: { enabled: false } })).status, 200);
    const placed = await api.call('POST', '/api/v1/instances', { json: instanceBody('only-c', { ...ASK, cores: 5 }) });
    assert.equal(placed.status, 507);
    const body = await json(placed);
    const reasons = Object.fromEntries((body.hosts as { host: string; reasons: string[] }[]).map((h) => [h.host, h.reasons]));
    assert.deepEqual(reasons['host-a'], ['disabled for scheduling']);
    assert.match(reasons['host-c']?.[0] ?? '', /^not enough vCPUs for 5 more \(0 of 4 vCPUs claimed/);
    const bad = await api.call('PATCH', '/api/v1/pools/default', { json: { cpuLoadCeiling: 0 } });
    assert.equal(bad.status, 400);
    const ceiling = await api.call('PATCH', '/api/v1/pools/default', { json: { cpuLoadCeiling: 85 } });
    assert.equal((await json(ceiling)).cpuLoadCeiling, 85);
    for (const name of ['fake-host', 'host-a', 'host-b']) assert.equal((await api.call('PATCH', `/api/v1/hosts/${name}`, { json: { enabled: true } })).status, 200);
  });
});
