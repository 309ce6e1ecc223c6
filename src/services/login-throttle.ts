/**
 * Rate limit for failed logins: per username and per source address, a sliding window.
 * In memory on purpose: a restart forgets, which only helps a legitimate user.
 */

/** Counts failures per key and says when a key must wait. */
export class LoginThrottle {
  private failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

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
    for (const key of keys) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  /** Forgets the failures of these keys (after a successful login), and any key whose failures have all aged out. */
  reset(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
    for (const key of [...this.failures.keys()]) if (this.recent(key).length === 0) this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > cutoff);
  }
}
