/**
 * Rate limit for failed logins and setup attempts: per key (an address, an address+username),
 * a sliding window. In memory on purpose: a restart forgets, which only helps a legitimate user.
 * Bounded: keys whose failures aged out are dropped as it goes, and past `maxKeys` the least
 * recently failed key goes first, so a flood of addresses cannot grow it without limit.
 */

/** Counts failures per key and says when a key must wait. */
export class LoginThrottle {
  private failures = new Map<string, number[]>();
  private prunedAt = 0;

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Number of keys held (for tests and metrics). */
  get size(): number {
    return this.failures.size;
  }

  /** Seconds the caller must wait before another attempt for any of the keys, or 0. */
  retryAfterSeconds(keys: string[]): number {
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key);
      if (recent.length >= this.maxFailures) wait = Math.max(wait, Math.ceil((recent[0] + this.windowMs - this.now()) / 1000));
    }
    return wait;
  }

  /** Records one failed attempt under every key. */
  recordFailure(keys: string[]): void {
    this.pruneIfDue();
    for (const key of keys) {
      const recent = [...this.recent(key), this.now()].slice(-this.maxFailures);
      this.failures.delete(key); // re-inserted last: Map order is then least recently failed first
      this.failures.set(key, recent);
    }
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) break;
      this.failures.delete(key);
    }
  }

  /** Forgets the failures of these keys (after a success). */
  reset(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }

  /** Drops every key whose failures have all aged out, at most once per tenth of the window. */
  private pruneIfDue(): void {
    if (this.now() - this.prunedAt < this.windowMs / 10) return;
    this.prunedAt = this.now();
    for (const key of [...this.failures.keys()]) if (this.recent(key).length === 0) this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > cutoff);
  }
}
