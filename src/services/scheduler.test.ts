import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { placeInstance, refusalReasons, scoreHost, SCORE_WEIGHTS, type HostCandidate, type PlacementRequest } from './scheduler.js';

const host = (id: string, over: Partial<HostCandidate> = {}): HostCandidate => ({
  id, name: `host-${id}`, online: true, enabled: true, poolId: 'pool', cpus: 4, memoryMiB: 8192, claimedCores: 0, claimedMemoryMiB: 0, claimedDiskBytes: 0, ...over,
});
const req: PlacementRequest = { poolId: 'pool', cores: 2, memoryMiB: 1024, diskBytes: 1, cpuOvercommit: 1, memoryOvercommit: 1, diskOvercommit: 2 };

describe('placeInstance', () => {
  const cases: { name: string; hosts: HostCandidate[]; req?: Partial<PlacementRequest>; expect: string | undefined }[] = [
    { name: 'single fitting host', hosts: [host('a')], expect: 'a' },
    { name: 'no hosts', hosts: [], expect: undefined },
    { name: 'offline host is skipped', hosts: [host('a', { online: false }), host('b')], expect: 'b' },
    { name: 'disabled host is skipped', hosts: [host('a', { enabled: false })], expect: undefined },
    { name: 'other pool is skipped', hosts: [host('a', { poolId: 'other' })], expect: undefined },
    { name: 'too few cores', hosts: [host('a', { claimedCores: 3 })], expect: undefined },
    { name: 'exactly the cores left fits', hosts: [host('a', { claimedCores: 2 })], expect: 'a' },
    { name: 'overcommit makes room', hosts: [host('a', { claimedCores: 3 })], req: { cpuOvercommit: 2 }, expect: 'a' },
    { name: 'too little memory', hosts: [host('a', { claimedMemoryMiB: 7500 })], expect: undefined },
    { name: 'memory overcommit makes room', hosts: [host('a', { claimedMemoryMiB: 7500 })], req: { memoryOvercommit: 2 }, expect: 'a' },
    { name: 'prefers the emptier host', hosts: [host('a', { claimedCores: 2 }), host('b')], expect: 'b' },
    { name: 'pinned host wins even when fuller', hosts: [host('a', { claimedCores: 1 }), host('b')], req: { pinnedHostId: 'a' }, expect: 'a' },
    { name: 'pinned host is still checked', hosts: [host('a', { claimedCores: 4 }), host('b')], req: { pinnedHostId: 'a' }, expect: undefined },
    { name: 'pinned host that is not a candidate', hosts: [host('a')], req: { pinnedHostId: 'zzz' }, expect: undefined },
    { name: 'no disk space', hosts: [host('a', { freeDiskBytes: 0 })], req: { diskBytes: 10 }, expect: undefined },
    { name: 'ties broken by id', hosts: [host('b'), host('a')], expect: 'a' },
    { name: 'thin disks within the disk overcommit', hosts: [host('a', { storageTotalBytes: 100, claimedDiskBytes: 150, freeDiskBytes: 90 })], req: { diskBytes: 50 }, expect: 'a' },
    { name: 'thin disks beyond the disk overcommit', hosts: [host('a', { storageTotalBytes: 100, claimedDiskBytes: 151, freeDiskBytes: 90 })], req: { diskBytes: 50 }, expect: undefined },
    { name: 'CPU load above the ceiling', hosts: [host('a', { cpuLoadPercent: 95 }), host('b', { cpuLoadPercent: 10, claimedCores: 2 })], req: { cpuLoadCeiling: 90 }, expect: 'b' },
    { name: 'CPU load at the ceiling is allowed', hosts: [host('a', { cpuLoadPercent: 90 })], req: { cpuLoadCeiling: 90 }, expect: 'a' },
    { name: 'ceiling 100 means no ceiling', hosts: [host('a', { cpuLoadPercent: 100 })], req: { cpuLoadCeiling: 100 }, expect: 'a' },
    { name: 'unknown load passes the ceiling', hosts: [host('a')], req: { cpuLoadCeiling: 10 }, expect: 'a' },
    { name: 'network missing on the host', hosts: [host('a', { missingNetworks: ['lan'] }), host('b', { claimedCores: 2 })], expect: 'b' },
    { name: 'the busier host (measured) loses at equal claims', hosts: [host('a', { cpuLoadPercent: 80 }), host('b', { cpuLoadPercent: 5 })], expect: 'b' },
    { name: 'measured memory pressure counts', hosts: [host('a', { memoryUsedFraction: 0.9 }), host('b', { memoryUsedFraction: 0.1 })], expect: 'b' },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(placeInstance(c.hosts, { ...req, ...c.req }).hostId, c.expect));
  }

  test('says why each host was rejected', () => {
    const result = placeInstance([host('a', { online: false }), host('b', { claimedMemoryMiB: 8192 })], req);
    assert.equal(result.hostId, undefined);
    assert.deepEqual(result.reasons, ['host-a: offline', 'host-b: not enough memory for 1024 MiB more (8.0 GiB of 8.0 GiB claimed — 8.0 GiB × 1 overcommit)']);
    assert.deepEqual(result.hosts, [
      { host: 'host-a', reasons: ['offline'] },
      { host: 'host-b', reasons: ['not enough memory for 1024 MiB more (8.0 GiB of 8.0 GiB claimed — 8.0 GiB × 1 overcommit)'] },
    ]);
  });

  test('explains cores with the overcommit, by host name', () => {
    const result = placeInstance([host('a', { cpus: 2, claimedCores: 8 })], { ...req, cpuOvercommit: 4 });
    assert.deepEqual(result.reasons, ['host-a: not enough vCPUs for 2 more (8 of 8 vCPUs claimed — 2 cores × 4 overcommit)']);
  });

  test('a pinned host is the only one judged', () => {
    const result = placeInstance([host('a', { enabled: false }), host('b')], { ...req, pinnedHostId: 'a' });
    assert.deepEqual(result.hosts, [{ host: 'host-a', reasons: ['disabled for scheduling'] }]);
  });
});

describe('refusalReasons', () => {
  const cases: { name: string; host: HostCandidate; req?: Partial<PlacementRequest>; expect: string[] }[] = [
    { name: 'fits', host: host('a'), expect: [] },
    { name: 'offline says only that', host: host('a', { online: false, claimedCores: 99 }), expect: ['offline'] },
    { name: 'disabled says only that', host: host('a', { enabled: false, claimedCores: 99 }), expect: ['disabled for scheduling'] },
    {
      name: 'every capacity reason at once',
      host: host('a', { claimedCores: 4, claimedMemoryMiB: 8192, freeDiskBytes: 1024 ** 3, cpuLoadPercent: 99.6, missingNetworks: ['lan', 'dmz'] }),
      req: { cpuLoadCeiling: 80, diskBytes: 2 * 1024 ** 3 },
      expect: [
        'not enough vCPUs for 2 more (4 of 4 vCPUs claimed — 4 cores × 1 overcommit)',
        'not enough memory for 1024 MiB more (8.0 GiB of 8.0 GiB claimed — 8.0 GiB × 1 overcommit)',
        'not enough free disk (1.0 GiB free, the disks need 2.0 GiB)',
        "CPU load 100% is above the pool's ceiling of 80%",
        'network lan, dmz is not available on this host',
      ],
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(refusalReasons(c.host, { ...req, ...c.req }), c.expect));
});

describe('scoreHost', () => {
  const empty = { ...req, cores: 0, memoryMiB: 0, diskBytes: 0 };
  const cases: { name: string; host: HostCandidate; req?: Partial<PlacementRequest>; expect: number }[] = [
    // Storage unknown: disk counts as half used.
    { name: 'empty host, nothing asked', host: host('a'), req: empty, expect: SCORE_WEIGHTS.cores + SCORE_WEIGHTS.memory + SCORE_WEIGHTS.disk * 0.5 },
    { name: 'half the cores claimed', host: host('a', { claimedCores: 2 }), req: empty, expect: SCORE_WEIGHTS.cores * 0.5 + SCORE_WEIGHTS.memory + SCORE_WEIGHTS.disk * 0.5 },
    { name: 'the request counts as claimed', host: host('a'), req: { ...empty, cores: 2, memoryMiB: 4096 }, expect: SCORE_WEIGHTS.cores * 0.5 + SCORE_WEIGHTS.memory * 0.5 + SCORE_WEIGHTS.disk * 0.5 },
    { name: 'overcommit widens the room', host: host('a', { claimedCores: 4 }), req: { ...empty, cpuOvercommit: 4 }, expect: SCORE_WEIGHTS.cores * 0.75 + SCORE_WEIGHTS.memory + SCORE_WEIGHTS.disk * 0.5 },
    // Configured 0 % and measured 50 % average to 25 % used.
    { name: 'measured CPU load averages with the claims', host: host('a', { cpuLoadPercent: 50 }), req: empty, expect: SCORE_WEIGHTS.cores * 0.75 + SCORE_WEIGHTS.memory + SCORE_WEIGHTS.disk * 0.5 },
    { name: 'measured memory averages with the claims', host: host('a', { claimedMemoryMiB: 4096, memoryUsedFraction: 1 }), req: empty, expect: SCORE_WEIGHTS.cores + SCORE_WEIGHTS.memory * 0.25 + SCORE_WEIGHTS.disk * 0.5 },
    // Promised 100 of 200 (50 %), 75 of 100 free (25 % used): 37.5 % used.
    { name: 'disk: promised and really used, averaged', host: host('a', { storageTotalBytes: 100, claimedDiskBytes: 100, freeDiskBytes: 75 }), req: empty, expect: SCORE_WEIGHTS.cores + SCORE_WEIGHTS.memory + SCORE_WEIGHTS.disk * 0.625 },
  ];
  for (const c of cases) test(c.name, () => assert.ok(Math.abs(scoreHost(c.host, { ...req, ...c.req }) - c.expect) < 1e-9, `${scoreHost(c.host, { ...req, ...c.req })} ≠ ${c.expect}`));

  test('weights: cores 2, memory 1.5, disk 0.5', () => assert.deepEqual({ ...SCORE_WEIGHTS }, { cores: 2, memory: 1.5, disk: 0.5 }));
});
