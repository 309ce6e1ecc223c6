import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { placeInstance, type HostCandidate, type PlacementRequest } from './scheduler.js';

const host = (id: string, over: Partial<HostCandidate> = {}): HostCandidate => ({
  id, name: `host-${id}`, online: true, enabled: true, poolId: 'pool', cpus: 4, memoryMiB: 8192, claimedCores: 0, claimedMemoryMiB: 0, claimedDiskBytes: 0, ...over,
});
const req: PlacementRequest = { poolId: 'pool', cores: 2, memoryMiB: 1024, diskBytes: 1, cpuOvercommit: 1, memoryOvercommit: 1, diskOvercommit: 2 };

describe('placeInstance', () => {
  const cases: { name: string; hosts: HostCandidate[]; req?: Partial<PlacementRequest>; expect: string | undefined }[] = [
    { name: 'single fitting host', hosts: [host('a')], expect: 'a' },
    { name: 'offline host is skipped', hosts: [host('a', { online: false }), host('b')], expect: 'b' },
    { name: 'disabled host is skipped', hosts: [host('a', { enabled: false })], expect: undefined },
    { name: 'other pool is skipped', hosts: [host('a', { poolId: 'other' })], expect: undefined },
    { name: 'too few cores', hosts: [host('a', { claimedCores: 3 })], expect: undefined },
    { name: 'overcommit makes room', hosts: [host('a', { claimedCores: 3 })], req: { cpuOvercommit: 2 }, expect: 'a' },
    { name: 'too little memory', hosts: [host('a', { claimedMemoryMiB: 7500 })], expect: undefined },
    { name: 'prefers the emptier host', hosts: [host('a', { claimedCores: 2 }), host('b')], expect: 'b' },
    { name: 'pinned host wins even when fuller', hosts: [host('a', { claimedCores: 1 }), host('b')], req: { pinnedHostId: 'a' }, expect: 'a' },
    { name: 'no disk space', hosts: [host('a', { freeDiskBytes: 0 })], req: { diskBytes: 10 }, expect: undefined },
    { name: 'ties broken by id', hosts: [host('b'), host('a')], expect: 'a' },
    { name: 'thin disks within the disk overcommit', hosts: [host('a', { storageTotalBytes: 100, claimedDiskBytes: 150, freeDiskBytes: 90 })], req: { diskBytes: 50 }, expect: 'a' },
    { name: 'thin disks beyond the disk overcommit', hosts: [host('a', { storageTotalBytes: 100, claimedDiskBytes: 151, freeDiskBytes: 90 })], req: { diskBytes: 50 }, expect: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(placeInstance(c.hosts, { ...req, ...c.req }).hostId, c.expect));
  }

  test('says why each host was rejected', () => {
    const result = placeInstance([host('a', { online: false }), host('b', { claimedMemoryMiB: 8192 })], req);
    assert.equal(result.hostId, undefined);
    assert.deepEqual(result.reasons, ['host-a: offline', 'host-b: not enough memory for 1024 MiB more (8.0 GiB of 8.0 GiB claimed — 8.0 GiB × 1 overcommit)']);
  });

  test('explains cores with the overcommit, by host name', () => {
    const result = placeInstance([host('a', { cpus: 2, claimedCores: 8 })], { ...req, cpuOvercommit: 4 });
    assert.deepEqual(result.reasons, ['host-a: not enough vCPUs for 2 more (8 of 8 vCPUs claimed — 2 cores × 4 overcommit)']);
  });
});
