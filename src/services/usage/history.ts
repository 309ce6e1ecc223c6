/**
 * The usage history store: round-robin rings in SQLite, like Proxmox's RRD files.
 *
 * Each series has, per resolution, a fixed ring of slots (slot = bucket number mod ring size).
 * A sample is added to its bucket's slot at every resolution in one upsert: when the slot still
 * holds the same bucket, its sum, count and maximum grow; when it holds an older bucket (the ring
 * came round), it is overwritten. So the table never holds more than 360 + 1440 + 4320 rows per
 * series whatever the uptime, with no pruning pass needed on insert (one statement, no DELETE
 * scans). Series of deleted targets stop being written; `pruneStale` drops them once even their
 * coarsest ring is out of date.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db/client.js';
import { USAGE_METRICS, type UsageMetric, type UsagePoint, type UsageRange, type UsageValues } from '../../shared/usage.js';

/** One ring: seconds per slot and how many slots. */
export interface Resolution {
  step: number;
  slots: number;
}

/** 10-second points for an hour, 1-minute for a day, 10-minute for a month. */
export const RESOLUTIONS: readonly Resolution[] = [
  { step: 10, slots: 360 },
  { step: 60, slots: 1440 },
  { step: 600, slots: 4320 },
];

/** Which ring answers a range, and how far back it looks. */
export const RANGE_PLAN: Record<UsageRange, { step: number; spanMs: number }> = {
  hour: { step: 10, spanMs: 3600_000 },
  day: { step: 60, spanMs: 86_400_000 },
  week: { step: 600, spanMs: 7 * 86_400_000 },
  month: { step: 600, spanMs: 30 * 86_400_000 },
};

const COLUMN: Record<UsageMetric, string> = {
  cpuPercent: 'cpu',
  memoryBytes: 'mem',
  diskReadBps: 'disk_read',
  diskWriteBps: 'disk_write',
  diskReadIops: 'disk_read_ops',
  diskWriteIops: 'disk_write_ops',
  netRxBps: 'net_rx',
  netTxBps: 'net_tx',
  memoryTotalBytes: 'mem_total',
  storageUsedBytes: 'storage_used',
  storageTotalBytes: 'storage_total',
  guestCpuPercent: 'guest_cpu',
  guestMemoryBytes: 'guest_mem',
};
const cols = USAGE_METRICS.map((m) => COLUMN[m]);
const same = 'usage_history.bucket = excluded.bucket';
const UPSERT = `INSERT INTO usage_history (series, step, slot, bucket, samples, ${cols.map((c) => `${c}_sum, ${c}_max`).join(', ')})
  VALUES (@series, @step, @slot, @bucket, 1, ${cols.map((c) => `@${c}, @${c}`).join(', ')})
  ON CONFLICT (series, step, slot) DO UPDATE SET
    samples = CASE WHEN ${same} THEN usage_history.samples + 1 ELSE 1 END,
    ${cols.map((c) => `${c}_sum = CASE WHEN ${same} THEN usage_history.${c}_sum + excluded.${c}_sum ELSE excluded.${c}_sum END,
    ${c}_max = CASE WHEN ${same} THEN max(usage_history.${c}_max, excluded.${c}_max) ELSE excluded.${c}_max END`).join(',\n    ')},
    bucket = excluded.bucket
  WHERE excluded.bucket >= usage_history.bucket`;
const SELECT = `SELECT bucket, samples, ${cols.map((c) => `${c}_sum, ${c}_max`).join(', ')} FROM usage_history
  WHERE series = ? AND step = ? AND bucket >= ? ORDER BY bucket`;

type Row = Record<string, number>;

/** Writes samples into the rings and reads histories back. */
export class UsageHistoryStore {
  private readonly upsert: Statement;
  private readonly select: Statement;
  private readonly deleteStale: Statement;
  private readonly countRows: Statement;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    const c = db.$client;
    this.upsert = c.prepare(UPSERT);
    this.select = c.prepare(SELECT);
    this.deleteStale = c.prepare('DELETE FROM usage_history WHERE step = ? AND bucket < ?');
    this.countRows = c.prepare('SELECT count(*) AS n FROM usage_history');
  }

  /** Adds one sample per series taken at `at` (ms) to every ring, in one transaction. */
  add(samples: ReadonlyMap<string, UsageValues>, at = this.now()): void {
    const write = this.db.$client.transaction(() => {
      for (const [series, values] of samples) {
        const params: Record<string, number | string> = { series };
        for (const m of USAGE_METRICS) params[COLUMN[m]] = values[m];
        for (const r of RESOLUTIONS) {
          const n = Math.floor(at / (r.step * 1000));
          this.upsert.run({ ...params, step: r.step, slot: n % r.slots, bucket: n * r.step * 1000 });
        }
      }
    });
    write();
  }

  /** The points of a series over a range, oldest first, from the ring that range reads. */
  history(series: string, range: UsageRange): { stepSeconds: number; points: UsagePoint[] } {
    const plan = RANGE_PLAN[range];
    const rows = this.select.all(series, plan.step, this.now() - plan.spanMs) as Row[];
    return { stepSeconds: plan.step, points: rows.map(pointOf) };
  }

  /** Drops slots older than their ring's span (series nobody writes any more); returns how many. */
  pruneStale(): number {
    let n = 0;
    for (const r of RESOLUTIONS) n += this.deleteStale.run(r.step, this.now() - r.step * 1000 * r.slots).changes;
    return n;
  }

  /** Rows in the table (tests and the size bound). */
  size(): number {
    return (this.countRows.get() as { n: number }).n;
  }
}

function pointOf(row: Row): UsagePoint {
  const avg = {} as UsageValues;
  const max = {} as UsageValues;
  for (const m of USAGE_METRICS) {
    avg[m] = (row[`${COLUMN[m]}_sum`] ?? 0) / (row.samples || 1);
    max[m] = row[`${COLUMN[m]}_max`] ?? 0;
  }
  return { t: row.bucket ?? 0, avg, max };
}
