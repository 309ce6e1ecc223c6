/**
 * The usage collector: every tick, one bulk statistics call per online host (all its running
 * domains at once), turned into rates against the previous tick: per instance, per host (the
 * sum of its guests), per pool and for the zone. Samples go to the history store and to live
 * listeners (the browser stream).
 */
import type { HostAgent } from '../../cluster/host-agent.js';
import type { Db } from '../../db/client.js';
import { hosts as hostsTable, instances as instancesTable } from '../../db/schema.js';
import type { DomainStatsRecord } from '../../hypervisor/types.js';
import { log } from '../../lib/log.js';
import { USAGE_METRICS, usageSeries, type UsageSample, type UsageValues } from '../../shared/usage.js';
import { cpuPercent } from '../instances/stats.js';
import type { UsageHistoryStore } from './history.js';

const MiB = 1024 * 1024;

/** What the collector reads from. */
export interface UsageCollectorDeps {
  db: Db;
  history: UsageHistoryStore;
  /** The attached hosts' agents, with their host ids. */
  agents: () => Map<HostAgent, string>;
  now?: () => number;
}

const zero = (): UsageValues => Object.fromEntries(USAGE_METRICS.map((m) => [m, 0])) as UsageValues;

/** A domain's values between two of its records (rates per second). Pure. */
export function domainValues(prev: DomainStatsRecord, next: DomainStatsRecord): UsageValues {
  const dt = (next.sampledAt - prev.sampledAt) / 1000;
  const rate = (a: number, b: number) => (dt > 0 && b >= a ? (b - a) / dt : 0);
  return {
    cpuPercent: cpuPercent(prev, next),
    memoryBytes: (next.memoryUsedMiB ?? next.memoryMiB) * MiB,
    diskReadBps: rate(prev.diskReadBytes, next.diskReadBytes),
    diskWriteBps: rate(prev.diskWriteBytes, next.diskWriteBytes),
    diskReadIops: rate(prev.diskReadOps, next.diskReadOps),
    diskWriteIops: rate(prev.diskWriteOps, next.diskWriteOps),
    netRxBps: rate(prev.netRxBytes, next.netRxBytes),
    netTxBps: rate(prev.netTxBytes, next.netTxBytes),
  };
}

/** Sums of values, with CPU as busy cores over the summed cores. */
class Sum {
  private readonly values = zero();
  private busy = 0;
  private cores = 0;
  /** Adds `v` measured on `cores` cores (its CPU % is of those cores); `capacity` cores join the denominator. */
  add(v: UsageValues, cores: number, capacity: number): void {
    for (const m of USAGE_METRICS) if (m !== 'cpuPercent') this.values[m] += v[m];
    this.busy += (v.cpuPercent / 100) * cores;
    this.cores += capacity;
  }
  result(): UsageValues {
    return { ...this.values, cpuPercent: this.cores > 0 ? Math.min(100, (this.busy / this.cores) * 100) : 0 };
  }
}

/** Samples every host periodically; keeps the newest sample of each series. */
export class UsageCollector {
  private prev = new Map<string, DomainStatsRecord>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<(samples: UsageSample[]) => void>();
  /** The newest sample of every series. */
  readonly latest = new Map<string, UsageSample>();

  constructor(private readonly deps: UsageCollectorDeps) {}

  /** Ticks every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Calls `listener` with each tick's samples; returns the unsubscribe function. */
  onSamples(listener: (samples: UsageSample[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One round over every host (a round still running is joined, never doubled). */
  tick(): Promise<void> {
    this.running ??= this.collect().finally(() => (this.running = undefined));
    return this.running;
  }

  private async collect(): Promise<void> {
    const { db } = this.deps;
    const at = (this.deps.now ?? Date.now)();
    const byDomain = new Map(db.select({ id: instancesTable.id, hostId: instancesTable.hostId, domainName: instancesTable.domainName }).from(instancesTable).all().map((r) => [`${r.hostId}/${r.domainName}`, r.id]));
    const hostRows = new Map(db.select({ id: hostsTable.id, poolId: hostsTable.poolId, cpus: hostsTable.cpus }).from(hostsTable).all().map((h) => [h.id, h]));
    const out = new Map<string, UsageValues>();
    const pools = new Map<string, Sum>();
    const zone = new Sum();
    const seen = new Map<string, DomainStatsRecord>();
    await Promise.all(
      [...this.deps.agents()].map(async ([agent, hostId]) => {
        const host = hostRows.get(hostId);
        if (!host || !agent.host.isOnline()) return;
        let records: DomainStatsRecord[];
        try {
          records = await agent.domains.allStats();
        } catch (err) {
          log.debug('usage collection failed on a host', { host: hostId, error: String(err) });
          return;
        }
        const sum = new Sum();
        for (const rec of records) {
          const key = `${hostId}/${rec.name}`;
          seen.set(key, rec);
          const prev = this.prev.get(key);
          const instanceId = byDomain.get(key);
          if (!prev) continue;
          const v = domainValues(prev, rec);
          if (instanceId) out.set(usageSeries('instance', instanceId), v);
          sum.add(v, rec.vcpus, 0);
        }
        sum.add(zero(), 0, host.cpus);
        const hv = sum.result();
        out.set(usageSeries('host', hostId), hv);
        if (host.poolId) {
          const p = pools.get(host.poolId) ?? new Sum();
          p.add(hv, host.cpus, host.cpus);
          pools.set(host.poolId, p);
        }
        zone.add(hv, host.cpus, host.cpus);
      }),
    );
    this.prev = seen;
    for (const [poolId, p] of pools) out.set(usageSeries('pool', poolId), p.result());
    out.set(usageSeries('zone'), zone.result());
    this.deps.history.add(out, at);
    const samples = [...out].map(([series, values]) => ({ series, t: at, values }));
    for (const s of samples) this.latest.set(s.series, s);
    for (const l of this.listeners) l(samples);
  }
}
