/** The usage collector against the fake hypervisor: one bulk call per host per tick, rates per instance, sums per host, pool and zone. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../../api/test-harness.js';
import { createInstance, instanceBody } from '../../api/tests/fixtures.js';
import type { HostUsage } from '../../cluster/agent-types.js';
import { storageSeries, USAGE_METRICS, type UsageValues } from '../../shared/usage.js';
import { domainValues, hostValues, poolLocations } from './collector.js';

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
  assert.deepEqual(domainValues(a, b), {
    cpuPercent: 25, memoryBytes: 100 * MiB, diskReadBps: 2000, diskWriteBps: 1000, diskReadIops: 10, diskWriteIops: 5, netRxBps: 500, netTxBps: 250,
    memoryTotalBytes: 0, storageUsedBytes: 0, storageTotalBytes: 0, guestCpuPercent: 0, guestMemoryBytes: 0,
  });
  assert.equal(domainValues(b, { ...a, sampledAt: 4000 }).diskReadBps, 0, 'counters that went back (a restart) give 0, not a negative rate');
});

test("a host's own values: CPU % from counter deltas (iowait is not busy), memory used = total − available, NIC rates per device, storage per location", () => {
  const a: HostUsage = {
    cpu: { userNs: 1e9, kernelNs: 1e9, idleNs: 8e9, iowaitNs: 0 }, memory: { totalBytes: 1000, freeBytes: 100, availableBytes: 400 }, sampledAt: 10_000,
    storage: [{ poolId: 'stp_a', totalBytes: 500, freeBytes: 200 }], nics: [{ device: 'eth0', rxBytes: 1000, txBytes: 0 }, { device: 'eth1', rxBytes: 5, txBytes: 5 }],
  };
  const b: HostUsage = {
    ...a, cpu: { userNs: 4e9, kernelNs: 2e9, idleNs: 12e9, iowaitNs: 2e9 }, sampledAt: 12_000,
    storage: [{ poolId: 'stp_a', totalBytes: 500, freeBytes: 100 }, { poolId: 'stp_b', totalBytes: 50, freeBytes: 50 }],
    nics: [{ device: 'eth0', rxBytes: 5000, txBytes: 2000 }, { device: 'eth2', rxBytes: 1e9, txBytes: 1e9 }],
  };
  const guests = { ...domainValues({ name: 'd', cpuTimeNs: 0, vcpus: 1, memoryMiB: 1, diskReadBytes: 0, diskWriteBytes: 0, diskReadOps: 0, diskWriteOps: 0, netRxBytes: 0, netTxBytes: 0, sampledAt: 0 }, { name: 'd', cpuTimeNs: 1e9, vcpus: 1, memoryMiB: 1, diskReadBytes: 0, diskWriteBytes: 0, diskReadOps: 0, diskWriteOps: 0, netRxBytes: 0, netTxBytes: 0, sampledAt: 2000 }) };
  const { host, locations } = hostValues(a, b, guests);
  // busy (user+kernel) grew 4e9 of 10e9 in all.
  assert.equal(host.cpuPercent, 40);
  assert.equal(host.guestCpuPercent, guests.cpuPercent);
  assert.equal(host.guestMemoryBytes, MiB);
  assert.equal(host.memoryBytes, 600);
  assert.equal(host.memoryTotalBytes, 1000);
  assert.equal(host.netRxBps, 2000, 'eth0: 4000 B in 2 s; eth1 gone and eth2 new count nothing');
  assert.equal(host.netTxBps, 1000);
  assert.equal(host.storageUsedBytes, 400);
  assert.equal(host.storageTotalBytes, 550);
  assert.deepEqual([...locations].map(([id, v]) => [id, v.storageUsedBytes, v.storageTotalBytes]), [['stp_a', 400, 500], ['stp_b', 0, 50]]);
  const first = hostValues(undefined, b, guests).host;
  assert.equal(first.cpuPercent, 0, 'no rate without a previous report');
  assert.equal(first.netRxBps, 0);
  assert.equal(first.memoryBytes, 600, 'memory needs no previous report');
});

test("a pool's storage per location: local locations add up over its hosts, a shared (NFS) one counts once", () => {
  const loc = (used: number, total: number) => ({ ...(Object.fromEntries(USAGE_METRICS.map((m) => [m, 0])) as UsageValues), storageUsedBytes: used, storageTotalBytes: total });
  const hostA = new Map([['stp_local', loc(100, 1000)], ['stp_nfs', loc(300, 5000)]]);
  const hostB = new Map([['stp_local', loc(50, 500)], ['stp_nfs', loc(310, 5000)]]);
  const hostC = new Map([['stp_local', loc(7, 70)]]); // does not mount the NFS pool
  const pool = poolLocations([hostA, hostB, hostC], (id) => id === 'stp_nfs');
  assert.deepEqual([...pool].map(([id, v]) => [id, v.storageUsedBytes, v.storageTotalBytes]), [['stp_local', 157, 1570], ['stp_nfs', 310, 5000]]);
  assert.equal(pool.get('stp_local')!.cpuPercent, 0, 'a location carries only storage figures');
  assert.equal(hostA.get('stp_local')!.storageUsedBytes, 100, "the hosts' own values are left as they were");
  assert.deepEqual([...poolLocations([], () => false)], []);
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
  assert.equal(h.guestMemoryBytes, a.memoryBytes + b.memoryBytes, "the guests' share of memory");
  assert.equal(h.diskReadBps, a.diskReadBps + b.diskReadBps);
  const busyCores = (a.cpuPercent / 100) * 1 + (b.cpuPercent / 100) * 2;
  assert.ok(Math.abs(h.guestCpuPercent - Math.min(100, (busyCores / host.cpus) * 100)) < 1e-9, `guests' CPU ${h.guestCpuPercent} = busy cores ${busyCores} / ${host.cpus}`);
  assert.equal(api.hypervisor.nodeStatsCalls, 3, "one host usage call per tick");
  assert.equal(h.cpuPercent, 25, "the host's own CPU from the fake's counters (user 2 + kernel 1 of 12 per call)");
  assert.equal(h.memoryTotalBytes, 8192 * MiB, "the fake host's memory");
  assert.equal(h.memoryBytes, 4096 * MiB, 'used = total − available (the fake: half)');
  assert.ok(h.netRxBps >= 0 && h.netTxBps >= 0);
  const storagePool = api.services.storagePools.ensureDefault();
  const loc = latest(storageSeries(host.id, storagePool.id));
  assert.ok(loc && loc.storageTotalBytes > 0 && loc.storageUsedBytes > 0 && loc.storageUsedBytes <= loc.storageTotalBytes, JSON.stringify(loc));
  assert.equal(h.storageTotalBytes, loc.storageTotalBytes, 'one location: the host sum is that location');
  assert.deepEqual(latest(`pool:${pool.id}`), h, 'a pool of one host sums to that host');
  assert.deepEqual(latest('zone'), h);
  assert.equal(seen.length, 3);
  const history = api.services.usage.history('instance', 'u-1', 'hour');
  assert.ok(history.points.length >= 1, 'the samples reached the history');
  assert.equal(history.points.at(-1)?.avg.memoryBytes, 64 * MiB);
});
