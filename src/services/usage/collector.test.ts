/** The usage collector against the fake hypervisor: one bulk call per host per tick, rates per instance, sums per host, pool and zone. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../../api/test-harness.js';
import { createInstance, instanceBody } from '../../api/tests/fixtures.js';
import { domainValues } from './collector.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
  await api.bootstrap();
});
after(() => api.close());

const MiB = 1024 * 1024;
const pause = () => new Promise((r) => setTimeout(r, 30));

test('rates between two records of a domain', () => {
  const a = { name: 'd', cpuTimeNs: 0, vcpus: 2, memoryMiB: 512, memoryUsedMiB: 100, diskReadBytes: 0, diskWriteBytes: 0, diskReadOps: 0, diskWriteOps: 0, netRxBytes: 0, netTxBytes: 0, sampledAt: 0 };
  const b = { ...a, cpuTimeNs: 1e9, diskReadBytes: 4000, diskWriteBytes: 2000, diskReadOps: 20, diskWriteOps: 10, netRxBytes: 1000, netTxBytes: 500, sampledAt: 2000 };
  assert.deepEqual(domainValues(a, b), { cpuPercent: 25, memoryBytes: 100 * MiB, diskReadBps: 2000, diskWriteBps: 1000, diskReadIops: 10, diskWriteIops: 5, netRxBps: 500, netTxBps: 250 });
  assert.equal(domainValues(b, { ...a, sampledAt: 4000 }).diskReadBps, 0, 'counters that went back (a restart) give 0, not a negative rate');
});

test('each tick makes one bulk call per host; running instances, their host, pool and the zone get samples', async () => {
  const one = (await createInstance(api, instanceBody('u-1', { start: true }))).instance;
  const two = (await createInstance(api, instanceBody('u-2', { start: true, cores: 2, maxCores: 2 }))).instance;
  const off = (await createInstance(api, instanceBody('u-3'))).instance;
  const [host] = api.services.hosts.list();
  const pool = api.services.pools.get('default');
  const collector = api.services.usage.collector;
  const before = api.hypervisor.allStatsCalls;
  const seen: string[][] = [];
  const stop = collector.onSamples((samples) => seen.push(samples.map((s) => s.series)));
  await collector.tick();
  await pause();
  await collector.tick();
  await pause();
  await collector.tick();
  stop();
  assert.equal(api.hypervisor.allStatsCalls - before, 3, 'one bulk call per tick for the one host');
  const latest = (series: string) => collector.latest.get(series)?.values;
  const a = latest(`instance:${one.id}`);
  const b = latest(`instance:${two.id}`);
  assert.ok(a && b, `samples for both running instances: ${[...collector.latest.keys()].join(', ')}`);
  assert.equal(latest(`instance:${off.id}`), undefined, 'no sample for the stopped instance');
  assert.ok(a.cpuPercent > 0 && a.diskReadBps > 0 && a.netRxBps > 0 && a.diskReadIops > 0, JSON.stringify(a));
  assert.equal(a.memoryBytes, 64 * MiB, 'memory used as the guest reports it (the fake: half of 128 MiB)');
  const h = latest(`host:${host.id}`);
  assert.ok(h);
  assert.equal(h.memoryBytes, a.memoryBytes + b.memoryBytes);
  assert.equal(h.diskReadBps, a.diskReadBps + b.diskReadBps);
  const busyCores = (a.cpuPercent / 100) * 1 + (b.cpuPercent / 100) * 2;
  assert.ok(Math.abs(h.cpuPercent - Math.min(100, (busyCores / host.cpus) * 100)) < 1e-9, `host CPU ${h.cpuPercent} = busy cores ${busyCores} / ${host.cpus}`);
  assert.deepEqual(latest(`pool:${pool.id}`), h, 'a pool of one host sums to that host');
  assert.deepEqual(latest('zone'), h);
  assert.equal(seen.length, 3);
  const history = api.services.usage.history('instance', 'u-1', 'hour');
  assert.ok(history.points.length >= 1, 'the samples reached the history');
  assert.equal(history.points.at(-1)?.avg.memoryBytes, 64 * MiB);
});
