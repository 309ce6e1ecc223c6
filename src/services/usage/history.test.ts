/** The round-robin usage store with a fake clock: a month of 10-second samples stays bounded and aggregates right. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase, type Db } from '../../db/client.js';
import { USAGE_METRICS, type UsageValues } from '../../shared/usage.js';
import { RESOLUTIONS, UsageHistoryStore } from './history.js';

let dir: string;
let db: Db;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onebox-usage-'));
  db = openDatabase(join(dir, 'onebox.db'), dir);
});
after(async () => {
  db.$client.close();
  await rm(dir, { recursive: true, force: true });
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const RING_ROWS = RESOLUTIONS.reduce((n, r) => n + r.slots, 0); // 360 + 1440 + 4320
const T0 = Date.UTC(2026, 0, 1); // aligned to every bucket

/** Sample i: CPU cycles 0,10,…,50 within each minute (avg 25, max 50); memory = i; the rest fixed. */
function sample(i: number): UsageValues {
  const v = Object.fromEntries(USAGE_METRICS.map((m) => [m, 7])) as UsageValues;
  return { ...v, cpuPercent: (i % 6) * 10, memoryBytes: i };
}

test('a month of 10-second samples: fixed ring sizes, 1-minute and 10-minute averages and maxima, pruning of abandoned series', () => {
  let now = T0;
  const store = new UsageHistoryStore(db, () => now);
  // One outer transaction per call keeps a month of commits fast; each add is still its own savepoint.
  const write = (from: number, to: number) =>
    db.$client.transaction(() => {
      for (let i = from; i < to; i++) {
        now = T0 + i * 10_000;
        store.add(new Map([['instance:a', sample(i)]]), now);
      }
    })();
  write(0, 360); // one hour
  assert.equal(store.size(), 360 + 60 + 6, 'an hour fills the 10 s ring, 60 minute slots and 6 ten-minute slots');
  const month = (30 * DAY) / 10_000;
  write(360, month);
  assert.equal(store.size(), RING_ROWS, 'a month fills every ring and no more');
  write(month, month + DAY / 10_000); // a day more: rings overwritten in place
  assert.equal(store.size(), RING_ROWS, 'still bounded after the rings came round');

  const hour = store.history('instance:a', 'hour');
  assert.equal(hour.stepSeconds, 10);
  assert.ok(hour.points.length >= 360 && hour.points.length <= 361, `hour: ${hour.points.length} points`);
  const last = hour.points.at(-1);
  assert.deepEqual(last && { t: last.t, cpu: last.avg.cpuPercent, mem: last.avg.memoryBytes }, { t: now, cpu: sample(month + DAY / 10_000 - 1).cpuPercent, mem: month + DAY / 10_000 - 1 });

  const day = store.history('instance:a', 'day');
  assert.equal(day.stepSeconds, 60);
  assert.ok(day.points.length >= 1440 && day.points.length <= 1441, `day: ${day.points.length} points`);
  for (const p of day.points) {
    assert.equal(p.avg.cpuPercent, 25, `1-minute average at ${p.t}`);
    assert.equal(p.max.cpuPercent, 50, `1-minute maximum at ${p.t}`);
    const first = (p.t - T0) / 10_000; // memory = sample index: the average of 6 consecutive indexes
    assert.equal(p.avg.memoryBytes, first + 2.5);
    assert.equal(p.max.memoryBytes, first + 5);
  }
  const monthly = store.history('instance:a', 'month');
  assert.equal(monthly.stepSeconds, 600);
  assert.ok(monthly.points.length >= 4320 && monthly.points.length <= 4321, `month: ${monthly.points.length} points`);
  assert.ok(monthly.points.every((p) => p.avg.cpuPercent === 25 && p.max.cpuPercent === 50 && p.avg.diskReadBps === 7));
  const week = store.history('instance:a', 'week');
  assert.ok(week.points.length >= 1008 && week.points.length <= 1009, `week: ${week.points.length} points`);
  assert.deepEqual(store.history('instance:other', 'hour').points, []);

  now += 31 * DAY; // nobody wrote for a month: every slot is out of date
  assert.equal(store.pruneStale(), RING_ROWS);
  assert.equal(store.size(), 0);
});
