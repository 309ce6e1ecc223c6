/**
 * A bounded in-memory map of things read from the database, valid while nothing was written:
 * it empties itself when the connection's change count ({@link changeCount}) moves, so it can
 * never serve a row that was changed, revoked or deleted, whoever wrote. Inside a transaction
 * it neither serves nor keeps anything: a row read there may hold a write that is rolled back,
 * and the rollback does not move the count, so it would outlive it.
 */
import type { Db } from './client.js';
import { changeCount } from './change-count.js';

/** Values by key, read through `load` at most once per database change. */
export class StampedCache<K, V> {
  private readonly entries = new Map<K, V>();
  private stamp = -1;

  constructor(
    private readonly db: Db,
    /** Bounds the map (it empties when full). */
    private readonly limit = 10_000,
  ) {}

  /** The value cached for `key`, else `load(key)` (kept unless undefined). */
  get(key: K, load: (key: K) => V | undefined): V | undefined {
    if (this.db.$client.inTransaction) return load(key);
    const stamp = changeCount(this.db);
    if (stamp !== this.stamp) {
      this.entries.clear();
      this.stamp = stamp;
    }
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = load(key);
    // The load may have written (a lazily created default row): keep nothing read before a change.
    if (value === undefined || changeCount(this.db) !== stamp) return value;
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }
}
