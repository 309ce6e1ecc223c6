import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { openDatabase, type Db } from '../db/client.js';
import { computePools, hosts, instances } from '../db/schema.js';
import { candidateCopyOf, type ClaimRow } from './candidate-copy.js';

/** What the copy answers, as `id: cores/memory enabled pool`, sorted. */
const shown = (rows: ClaimRow[]) => rows.map((r) => `${r.id}: ${r.cores ?? 0}/${r.memory ?? 0} ${r.enabled ? 'on' : 'off'} ${r.poolId}`).sort();
/** What the database holds, read the slow way. */
const truth = (db: Db, poolId?: string) =>
  shown(db.$client.prepare<[], ClaimRow>('select h.id, h.enabled, h.pool_id as poolId, c.cores, c.memory_mib as memory from hosts h left join host_claims c on c.host_id = h.id').all().filter((r) => poolId === undefined || r.poolId === poolId));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("the scheduler's copy of the hosts and their claims", () => {
  let dir: string;
  let db: Db;
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onebox-copy-'));
    db = openDatabase(join(dir, 'onebox.db'), dir);
    db.insert(computePools).values([{ id: 'p1', name: 'one' }, { id: 'p2', name: 'two' }]).run();
    db.insert(hosts).values([
      { id: 'h1', name: 'host-1', address: 'a', poolId: 'p1', accel: 'tcg', cpus: 4, memoryMiB: 4096 },
      { id: 'h2', name: 'host-2', address: 'b', poolId: 'p1', accel: 'tcg', cpus: 4, memoryMiB: 4096 },
    ]).run();
  });
  after(async () => {
    db.$client.close();
    await rm(dir, { recursive: true, force: true });
  });
  const add = (hostId: string, cores: number) => {
    const id = `i${++n}`;
    db.insert(instances).values({ id, name: id, poolId: 'p1', hostId, cores, memoryMiB: 100 * cores, diskSizeBytes: 0, dataDisks: [], cloneMode: 'blank', state: 'stopped', domainName: `ob-${id}`, domainUuid: randomUUID(), vncPassword: 'x' }).run();
    return id;
  };
  const copy = () => candidateCopyOf(db.$client);

  const steps: { name: string; run: () => void }[] = [
    { name: 'claims added', run: () => (add('h1', 2), add('h2', 1)) },
    { name: 'a claim released', run: () => void db.delete(instances).where(eq(instances.id, 'i1')).run() },
    { name: 'a host disabled', run: () => void db.update(hosts).set({ enabled: false }).where(eq(hosts.id, 'h2')).run() },
    { name: 'a host added', run: () => void db.insert(hosts).values({ id: 'h3', name: 'host-3', address: 'c', poolId: 'p1', accel: 'tcg', cpus: 8, memoryMiB: 8192 }).run() },
    { name: 'a host moved to another pool', run: () => void db.update(hosts).set({ poolId: 'p2' }).where(eq(hosts.id, 'h3')).run() },
    { name: 'a host deleted', run: () => void db.delete(hosts).where(eq(hosts.id, 'h3')).run() },
  ];
  for (const step of steps) {
    test(`${step.name}: seen at once inside the next transaction, and kept after catching up`, async () => {
      await nextTurn();
      step.run();
      db.transaction(() => assert.deepEqual(shown(copy().rows('p1')), truth(db, 'p1')));
      await nextTurn();
      assert.deepEqual(shown(copy().rows()), truth(db));
    });
  }

  test("a transaction sees its own new claim, and after it rolls back the copy does not keep it", async () => {
    await nextTurn();
    const before = truth(db);
    assert.throws(() =>
      db.transaction(() => {
        add('h1', 3);
        assert.deepEqual(shown(copy().rows()), truth(db), 'inside: the uncommitted claim is read');
        assert.notDeepEqual(truth(db), before);
        throw new Error('rolled back');
      }),
    /rolled back/);
    await nextTurn();
    assert.deepEqual(shown(copy().rows()), before);
    // A later committed change reuses the clock versions the rollback freed: the copy must still match.
    add('h2', 5);
    await nextTurn();
    assert.deepEqual(shown(copy().rows()), truth(db));
  });

  test('the copy is read from memory once caught up: only changed hosts come from the database', async () => {
    await nextTurn();
    const first = copy().rows('p1');
    const again = copy().rows('p1');
    assert.ok(first.length > 0 && first.every((row, i) => row === again[i]), 'the same row objects: nothing was read again');
    add('h1', 1);
    const changed = copy().rows('p1');
    assert.equal(changed.find((r) => r.id === 'h2'), first.find((r) => r.id === 'h2'), 'an unchanged host is the kept row');
    assert.notEqual(changed.find((r) => r.id === 'h1'), first.find((r) => r.id === 'h1'), 'the changed host is read again');
  });
});
