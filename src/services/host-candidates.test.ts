import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { openDatabase, type Db } from '../db/client.js';
import { computePools, hostClaims, hosts, instances } from '../db/schema.js';
import { claimsOf, hostCandidates } from './host-candidates.js';

const GiB = 1024 ** 3;

describe('host claims (kept by triggers on instances) and the candidates read from them', () => {
  let dir: string;
  let db: Db;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onebox-claims-'));
    db = openDatabase(join(dir, 'onebox.db'), dir);
    db.insert(computePools).values([{ id: 'p1', name: 'one' }, { id: 'p2', name: 'two' }]).run();
    db.insert(hosts).values([
      { id: 'h1', name: 'host-1', address: 'a', poolId: 'p1', accel: 'tcg', cpus: 4, memoryMiB: 4096 },
      { id: 'h2', name: 'host-2', address: 'b', poolId: 'p1', accel: 'tcg', cpus: 2, memoryMiB: 2048, enabled: false },
      { id: 'h3', name: 'host-3', address: 'c', poolId: 'p2', accel: 'tcg', cpus: 8, memoryMiB: 8192 },
    ]).run();
  });
  after(async () => {
    db.$client.close();
    await rm(dir, { recursive: true, force: true });
  });

  const add = (id: string, hostId: string, cores: number, memoryMiB: number, diskGiB: number, dataGiB: number[] = []) =>
    db.insert(instances).values({
      id, name: id, poolId: hostId === 'h3' ? 'p2' : 'p1', hostId, cores, memoryMiB, diskSizeBytes: diskGiB * GiB, dataDisks: dataGiB.map((g) => ({ sizeBytes: g * GiB })),
      cloneMode: 'blank', state: 'stopped', domainName: `ob-${id}`, domainUuid: randomUUID(), vncPassword: 'x',
    }).run();
  const claims = () => Object.fromEntries(db.select().from(hostClaims).all().filter((c) => c.cores || c.memoryMiB || c.diskBytes).map((c) => [c.hostId, [c.cores, c.memoryMiB, c.diskBytes / GiB]]));
  const summed = () => Object.fromEntries(claimsOf(db).map((c) => [c.hostId, [c.cores, c.memory, c.disk / GiB]]));

  const steps: { name: string; run: () => void; expect: Record<string, number[]> }[] = [
    { name: 'insert', run: () => add('i1', 'h1', 2, 1024, 10), expect: { h1: [2, 1024, 10] } },
    { name: 'a second instance adds up, data disks count', run: () => add('i2', 'h1', 1, 512, 5, [20, 30]), expect: { h1: [3, 1536, 65] } },
    { name: 'another host', run: () => add('i3', 'h3', 4, 4096, 1), expect: { h1: [3, 1536, 65], h3: [4, 4096, 1] } },
    { name: 'resize', run: () => db.update(instances).set({ cores: 3, memoryMiB: 2048 }).where(eq(instances.id, 'i1')).run(), expect: { h1: [4, 2560, 65], h3: [4, 4096, 1] } },
    { name: 'a data disk added', run: () => db.update(instances).set({ dataDisks: [{ sizeBytes: GiB }] }).where(eq(instances.id, 'i1')).run(), expect: { h1: [4, 2560, 66], h3: [4, 4096, 1] } },
    { name: 'moved to another host', run: () => db.update(instances).set({ hostId: 'h2' }).where(eq(instances.id, 'i2')).run(), expect: { h1: [3, 2048, 11], h2: [1, 512, 55], h3: [4, 4096, 1] } },
    { name: 'an update of other columns changes nothing', run: () => db.update(instances).set({ state: 'running' }).where(eq(instances.id, 'i1')).run(), expect: { h1: [3, 2048, 11], h2: [1, 512, 55], h3: [4, 4096, 1] } },
    { name: 'delete', run: () => db.delete(instances).where(eq(instances.id, 'i1')).run(), expect: { h2: [1, 512, 55], h3: [4, 4096, 1] } },
    {
      name: 'a rolled-back transaction leaves no claim',
      run: () => assert.throws(() => db.transaction(() => { add('i9', 'h3', 8, 8192, 1); throw new Error('no'); }), /no/),
      expect: { h2: [1, 512, 55], h3: [4, 4096, 1] },
    },
  ];
  for (const step of steps) {
    test(step.name, () => {
      step.run();
      assert.deepEqual(claims(), step.expect);
      assert.deepEqual(claims(), summed(), 'host_claims equals the sums over the instances');
    });
  }

  test('candidates: the pool\'s hosts only, with their claims, load and missing networks', () => {
    const live = { isOnline: (id: string) => id !== 'h2', factsOf: () => undefined };
    const got = hostCandidates(db, live, 'sp', { poolId: 'p1', loadOf: (id) => (id === 'h1' ? { cpuPercent: 40, memoryBytes: 1, memoryTotalBytes: 4 } : undefined), missingNetworks: new Map([['h2', ['lan']]]) });
    assert.deepEqual(got.sort((a, b) => a.id.localeCompare(b.id)), [
      { id: 'h1', name: 'host-1', online: true, enabled: true, poolId: 'p1', cpus: 4, memoryMiB: 4096, claimedCores: 0, claimedMemoryMiB: 0, claimedDiskBytes: 0, storageTotalBytes: undefined, freeDiskBytes: undefined, cpuLoadPercent: 40, memoryUsedFraction: 0.25 },
      { id: 'h2', name: 'host-2', online: false, enabled: false, poolId: 'p1', cpus: 2, memoryMiB: 2048, claimedCores: 1, claimedMemoryMiB: 512, claimedDiskBytes: 55 * GiB, storageTotalBytes: undefined, freeDiskBytes: undefined, missingNetworks: ['lan'] },
    ]);
    assert.equal(hostCandidates(db, live, 'sp').length, 3);
  });
});
