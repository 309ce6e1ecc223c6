import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ArtifactRef, InstanceFile, StoragePoolSpec } from '../cluster/agent-types.js';
import { AppError, NoHostFitsError } from '../lib/errors.js';
import { assertPlaced, copyPlan, migrationTargets, pickMigrationTarget } from './migration-plan.js';
import type { HostCandidate, PlacementRequest } from './scheduler.js';

const host = (id: string, over: Partial<HostCandidate> = {}): HostCandidate => ({
  id, name: `host-${id}`, online: true, enabled: true, poolId: 'pool', cpus: 4, memoryMiB: 8192, claimedCores: 0, claimedMemoryMiB: 0, claimedDiskBytes: 0, ...over,
});
const req: Omit<PlacementRequest, 'pinnedHostId'> = { poolId: 'pool', cores: 2, memoryMiB: 1024, diskBytes: 1, cpuOvercommit: 1, memoryOvercommit: 1, diskOvercommit: 2 };

describe('pickMigrationTarget', () => {
  const cases: { name: string; hosts: HostCandidate[]; target?: string; expect: string | undefined; reasons?: string[] }[] = [
    { name: 'the given target when it fits', hosts: [host('src'), host('a'), host('b')], target: 'b', expect: 'b' },
    { name: 'the best other host without a target', hosts: [host('src'), host('a', { claimedCores: 2 }), host('b')], expect: 'b' },
    { name: 'never the source, even when it is the emptiest', hosts: [host('src'), host('a', { claimedCores: 2 })], expect: 'a' },
    { name: 'the source as target is no candidate', hosts: [host('src'), host('a')], target: 'src', expect: undefined, reasons: [] },
    { name: 'a lost target is refused, saying so', hosts: [host('src'), host('a', { online: false })], target: 'a', expect: undefined, reasons: ['host-a: offline'] },
    { name: 'a disabled target is refused', hosts: [host('src'), host('a', { enabled: false })], target: 'a', expect: undefined, reasons: ['host-a: disabled for scheduling'] },
    { name: 'a target in another pool is refused', hosts: [host('src'), host('a', { poolId: 'other' })], target: 'a', expect: undefined, reasons: ['host-a: not in the pool'] },
    { name: 'a full target is refused with its numbers', hosts: [host('src'), host('a', { claimedCores: 3 })], target: 'a', expect: undefined, reasons: ['host-a: not enough vCPUs for 2 more (3 of 4 vCPUs claimed — 4 cores × 1 overcommit)'] },
    { name: 'without a target, every refusal host by host', hosts: [host('src'), host('a', { online: false }), host('b', { missingNetworks: ['lan'] })], expect: undefined, reasons: ['host-a: offline', 'host-b: network lan is not available on this host'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const placement = pickMigrationTarget(c.hosts, req, 'src', c.target);
      assert.equal(placement.hostId, c.expect);
      if (c.reasons) assert.deepEqual(placement.reasons, c.reasons);
    });
  }

  test('a named target that cannot take it is migration_target_unfit with its reasons; no host at all is no_host_available', () => {
    const placement = pickMigrationTarget([host('src'), host('a', { online: false })], req, 'src', 'a');
    assert.throws(
      () => assertPlaced(placement, "instance 'web'", 'default', 'host-a'),
      (err: unknown) => err instanceof NoHostFitsError && err.code === 'migration_target_unfit' && err.status === 409 && err.message === "Host 'host-a' cannot take instance 'web': offline." && err.hosts[0].host === 'host-a',
    );
    assert.throws(() => assertPlaced(pickMigrationTarget([host('src'), host('a', { poolId: 'other' })], req, 'src', 'b'), "instance 'web'", 'default', 'host-b'), /Host 'host-b' cannot take instance 'web': it is not in pool 'default'\./);
    assert.throws(
      () => assertPlaced(pickMigrationTarget([host('src'), host('a', { online: false })], req, 'src'), "instance 'web'", 'default'),
      (err: unknown) => err instanceof NoHostFitsError && err.code === 'no_host_available' && err.message === "No host can take instance 'web': host-a: offline.",
    );
    assert.throws(() => assertPlaced(pickMigrationTarget([host('src')], req, 'src'), "instance 'web'", 'default'), /pool 'default' has no other host/);
    assert.equal(assertPlaced(pickMigrationTarget([host('src'), host('a')], req, 'src'), 'x', 'default'), 'a');
  });
});

describe('migrationTargets', () => {
  test('every host of the pool, sorted by name: the source never fits, the others with the scheduler\'s reasons', () => {
    const hosts = [host('src'), host('c', { claimedCores: 3 }), host('b', { enabled: false }), host('a'), host('x', { poolId: 'other' })];
    assert.deepEqual(migrationTargets(hosts, req, 'src'), [
      { hostId: 'a', name: 'host-a', fits: true, reasons: [] },
      { hostId: 'b', name: 'host-b', fits: false, reasons: ['disabled for scheduling'] },
      { hostId: 'c', name: 'host-c', fits: false, reasons: ['not enough vCPUs for 2 more (3 of 4 vCPUs claimed — 4 cores × 1 overcommit)'] },
      { hostId: 'src', name: 'host-src', fits: false, reasons: ['its current host'] },
    ]);
  });
});

describe('copyPlan', () => {
  const local: StoragePoolSpec = { id: 'sp_local', kind: 'local', path: null };
  const nfs: StoragePoolSpec = { id: 'sp_nfs', kind: 'nfs', server: '10.0.0.1', exportPath: '/export', mountOptions: null };
  const image: ArtifactRef = { shelf: 'images', fileName: 'img_1.qcow2', sha256: 'ab', sizeBytes: 10, format: 'qcow2' };
  const files: InstanceFile[] = [
    { file: 'data-0.qcow2', sizeBytes: 200 },
    { file: 'seed.iso', sizeBytes: 50 },
    { file: 'snap-1.qcow2', sizeBytes: 30, backing: { kind: 'file', file: 'system.qcow2' } },
    { file: 'system.qcow2', sizeBytes: 100, backing: { kind: 'image', fileName: 'img_1.qcow2' } },
  ];

  test('a shared pool copies nothing (its files are re-attached)', () => {
    assert.deepEqual(copyPlan('web', nfs, files, image), { copies: false, files: [], totalBytes: 0, commit: [] });
  });

  test('a local pool copies every file, totals their bytes and re-points each backing', () => {
    const plan = copyPlan('web', local, files, image);
    assert.equal(plan.copies, true);
    assert.equal(plan.totalBytes, 380);
    assert.deepEqual(plan.image, image);
    assert.deepEqual(plan.commit, [
      { file: 'data-0.qcow2' },
      { file: 'seed.iso' },
      { file: 'snap-1.qcow2', backing: { kind: 'file', file: 'system.qcow2' } },
      { file: 'system.qcow2', backing: { kind: 'image', ref: image } },
    ]);
  });

  test('a blank instance needs no image on the target', () => {
    const plan = copyPlan('web', local, [{ file: 'system.qcow2', sizeBytes: 5 }], undefined);
    assert.equal(plan.image, undefined);
    assert.deepEqual(plan.commit, [{ file: 'system.qcow2' }]);
  });

  const refusals: { name: string; files: InstanceFile[]; image?: ArtifactRef; match: RegExp }[] = [
    { name: 'no system disk', files: [{ file: 'data-0.qcow2', sizeBytes: 1 }], match: /has no system disk/ },
    { name: 'an overlay on a missing file', files: [{ file: 'system.qcow2', sizeBytes: 1 }, { file: 's.qcow2', sizeBytes: 1, backing: { kind: 'file', file: 'gone.qcow2' } }], match: /sits on 'gone.qcow2', which is not among its files/ },
    { name: 'an image that is not its own', files: [{ file: 'system.qcow2', sizeBytes: 1, backing: { kind: 'image', fileName: 'img_other.qcow2' } }], image, match: /sits on 'img_other.qcow2', which is not the image it was created from/ },
    { name: 'an image when it has none recorded', files: [{ file: 'system.qcow2', sizeBytes: 1, backing: { kind: 'image', fileName: 'img_1.qcow2' } }], match: /not the image it was created from/ },
  ];
  for (const r of refusals) {
    test(`refuses: ${r.name}`, () => {
      assert.throws(() => copyPlan('web', local, r.files, r.image), (err: unknown) => err instanceof AppError && err.code === 'migration_unsupported' && r.match.test(err.message));
    });
  }
});
