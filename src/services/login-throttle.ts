/**
 * Rate limit for failed logins and setup attempts: per key (an address, an address+username),
 * a sliding window. In memory on purpose: a restart forgets, which only helps a legitimate user.
 * Bounded: keys whose failures aged out are dropped as it goes, and past `maxKeys` the least
 * recently failed key goes first, so a flood of addresses cannot grow it without limit.
 */
import { isIP } from 'node:net';

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

/** The eight 16-bit groups of an IPv6 address (`::` expanded, an embedded IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = parse(head);
  const t = parse(tail);
  return tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/**
 * The throttle key of a client address: IPv4 as it is; IPv6 by its /64 (one site or machine
 * can change the low 64 bits at will); an IPv4-mapped IPv6 address as the IPv4 address.
 */
export function addressKey(ip: string): string {
  if (isIP(ip.replace(/%.*$/, '')) !== 6) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  const groups = ipv6Groups(ip);
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}
