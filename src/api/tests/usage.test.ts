/** Usage API: histories of instances, hosts, pools and the zone; the live stream (server-sent events); auth, 404 and 400 with codes. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json } from './fixtures.js';

let api: TestApi;
let instanceId: string;
before(async () => {
  api = await startTestApi();
  await api.bootstrap();
  instanceId = (await createInstance(api, instanceBody('h-1', { start: true }))).instance.id;
  await api.services.usage.collector.tick();
  await new Promise((r) => setTimeout(r, 30));
  await api.services.usage.collector.tick();
});
after(() => api.close());

test('usage-history of an instance, a host, a pool and the zone, by range', async () => {
  const [host] = api.services.hosts.list();
  const pool = api.services.pools.get('default');
  const paths = [`instances/${instanceId}`, 'instances/h-1', `hosts/${host.id}`, `pools/${pool.id}`];
  for (const p of paths) {
    const res = await api.call('GET', `/api/v1/${p}/usage-history?range=hour`);
    assert.equal(res.status, 200, p);
    const body = await json(res);
    assert.equal(body.stepSeconds, 10);
    assert.equal(body.points.length, 1, `${p}: one 10-second point after two ticks`);
    assert.deepEqual(Object.keys(body.points[0].avg).sort(), [
      'cpuPercent', 'diskReadBps', 'diskReadIops', 'diskWriteBps', 'diskWriteIops', 'guestCpuPercent', 'guestMemoryBytes', 'memoryBytes', 'memoryTotalBytes', 'netRxBps', 'netTxBps', 'storageTotalBytes', 'storageUsedBytes',
    ]);
  }
  assert.equal((await json(await api.call('GET', '/api/v1/usage/history?range=day'))).stepSeconds, 60);
  assert.equal((await json(await api.call('GET', `/api/v1/instances/${instanceId}/usage-history?range=week`))).stepSeconds, 600);
  assert.equal((await json(await api.call('GET', `/api/v1/instances/${instanceId}/usage-history`))).range, 'hour', 'hour by default');
});

test("a host's usage-history: its own CPU and memory, its guests' share, and one history per storage location; its pool's too", async () => {
  const [host] = api.services.hosts.list();
  const storagePool = api.services.storagePools.ensureDefault();
  const body = await json(await api.call('GET', `/api/v1/hosts/${host.id}/usage-history?range=hour`));
  const p = body.points.at(-1);
  assert.ok(p, JSON.stringify(body));
  assert.equal(p.max.cpuPercent, 25, "the fake host's counters: 25 % busy between the two ticks");
  assert.equal(p.avg.memoryTotalBytes, 8192 * 1024 * 1024);
  assert.equal(p.avg.memoryBytes, 4096 * 1024 * 1024);
  assert.ok(p.max.guestCpuPercent > 0 && p.max.guestMemoryBytes === 64 * 1024 * 1024, JSON.stringify(p.max));
  assert.equal(body.locations.length, 1, JSON.stringify(body.locations));
  const [loc] = body.locations;
  assert.equal(loc.storagePoolId, storagePool.id);
  assert.equal(loc.name, storagePool.name);
  assert.equal(loc.series, `storage:${host.id}.${storagePool.id}`);
  assert.ok(loc.points.length >= 1 && loc.points[0].avg.storageTotalBytes > 0 && loc.points[0].avg.storageUsedBytes <= loc.points[0].avg.storageTotalBytes, JSON.stringify(loc.points));
  const pool = await json(await api.call('GET', `/api/v1/pools/${host.poolId}/usage-history?range=hour`));
  assert.equal(pool.locations.length, 1, JSON.stringify(pool.locations));
  assert.equal(pool.locations[0].series, `pool-storage:${host.poolId}.${storagePool.id}`);
  assert.equal(pool.locations[0].name, storagePool.name);
  const storage = (points: { avg: Record<string, number> }[]) => points.map((x) => [x.avg.storageUsedBytes, x.avg.storageTotalBytes]);
  assert.ok(pool.locations[0].points.length >= 1);
  assert.deepEqual(storage(pool.locations[0].points), storage(loc.points), "the pool's one host: the pool's location is that host's");
  const instance = await json(await api.call('GET', `/api/v1/instances/${instanceId}/usage-history?range=hour`));
  assert.equal(instance.locations, undefined, 'locations are for hosts and pools only');
});

test('usage-history: 401 without credentials, 404 for unknown targets, 400 for a bad range', async () => {
  assert.equal((await api.call('GET', `/api/v1/instances/${instanceId}/usage-history`, { token: null })).status, 401);
  const cases: [string, number, string][] = [
    ['/api/v1/instances/nope/usage-history', 404, 'instance_not_found'],
    ['/api/v1/hosts/nope/usage-history', 404, 'host_not_found'],
    ['/api/v1/pools/nope/usage-history', 404, 'compute_pool_not_found'],
    [`/api/v1/instances/${instanceId}/usage-history?range=year`, 400, 'validation_failed'],
    [`/api/v1/instances/${instanceId}/usage-history?range=hour&x=1`, 400, 'validation_failed'],
  ];
  for (const [path, status, code] of cases) {
    const res = await api.call('GET', path);
    assert.equal(res.status, status, path);
    assert.equal((await json(res)).code, code, path);
  }
});

/** Reads server-sent events until `want` of them arrived (or a deadline). */
async function readEvents(res: Response, want: number, onFirst?: () => void): Promise<unknown[][]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const events: unknown[][] = [];
  let text = '';
  const deadline = Date.now() + 5000;
  try {
    while (events.length < want && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      for (let i = text.indexOf('\n\n'); i >= 0; i = text.indexOf('\n\n')) {
        const block = text.slice(0, i);
        text = text.slice(i + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (data) {
          events.push(JSON.parse(data.slice(6)) as unknown[]);
          if (events.length === 1) onFirst?.();
        }
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}

test('the live stream sends the newest sample at once, then each tick, only for the watched series', async () => {
  const res = await api.call('GET', `/api/v1/usage/stream?series=instance:${instanceId},zone`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events = await readEvents(res, 2, () => void api.services.usage.collector.tick());
  assert.equal(events.length, 2, 'the known samples, then the next tick');
  for (const e of events) assert.deepEqual((e as { series: string }[]).map((s) => s.series).sort(), [`instance:${instanceId}`, 'zone'].sort());
});

test("the live stream carries a host's and a pool's storage locations: the series their usage-history names, a point each tick", async () => {
  const [host] = api.services.hosts.list();
  const history = await json(await api.call('GET', `/api/v1/hosts/${host.id}/usage-history?range=hour`));
  const poolHistory = await json(await api.call('GET', `/api/v1/pools/${host.poolId}/usage-history?range=hour`));
  const watched = [history.locations[0].series, poolHistory.locations[0].series];
  const res = await api.call('GET', `/api/v1/usage/stream?series=${watched.join(',')}`);
  assert.equal(res.status, 200);
  const events = await readEvents(res, 2, () => void api.services.usage.collector.tick());
  assert.equal(events.length, 2, 'the known samples, then the next tick');
  for (const e of events) {
    const samples = e as { series: string; values: Record<string, number> }[];
    assert.deepEqual(samples.map((x) => x.series).sort(), [...watched].sort());
    for (const x of samples) assert.ok(x.values.storageTotalBytes > 0 && x.values.storageUsedBytes <= x.values.storageTotalBytes, JSON.stringify(x));
  }
  const [first, second] = events as { t: number }[][];
  assert.ok(second![0]!.t > first![0]!.t, 'the tick brought a newer point');
});

test('the live stream: 401 without credentials, 404 for an unknown target, 400 for a malformed series', async () => {
  assert.equal((await api.call('GET', '/api/v1/usage/stream?series=zone', { token: null })).status, 401);
  const cases: [string, number, string][] = [
    ['series=instance:nope', 404, 'instance_not_found'],
    ['series=host:nope', 404, 'host_not_found'],
    ['series=disk:1', 400, 'validation_failed'],
    ['series=storage:nope.stp_x', 404, 'storage_pool_not_found'],
    [`series=storage:nope.${api.services.storagePools.ensureDefault().id}`, 404, 'host_not_found'],
    [`series=pool-storage:nope.${api.services.storagePools.ensureDefault().id}`, 404, 'compute_pool_not_found'],
    ['series=storage:a.b.c', 400, 'validation_failed'],
    ['', 400, 'validation_failed'],
  ];
  for (const [query, status, code] of cases) {
    const res = await api.call('GET', `/api/v1/usage/stream?${query}`);
    assert.equal(res.status, status, query);
    assert.equal((await json(res)).code, code, query);
  }
});
