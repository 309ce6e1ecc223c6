/**
 * The usage collector: every tick, per online host one bulk statistics call (all its running
 * domains at once) and one host usage call (its own CPU counters, memory, storage locations and
 * NICs), turned into rates against the previous tick: per instance, per host (its own figures,
 * with its guests' share), per storage location of a host and of a pool, per pool and for the
 * zone (sums).
 * Samples go to the history store and to live listeners (the browser stream).
 */
import type { HostUsage, StoragePoolSpec } from '../../cluster/agent-types.js';
import type { HostAgent } from '../../cluster/host-agent.js';
import type { Db } from '../../db/client.js';
import { hosts as hostsTable, instances as instancesTable } from '../../db/schema.js';
import type { DomainStatsRecord } from '../../hypervisor/types.js';
import { log } from '../../lib/log.js';
import { poolStorageSeries, storageSeries, USAGE_METRICS, usageSeries, type UsageSample, type UsageValues } from '../../shared/usage.js';
import { cpuPercent } from '../instances/stats.js';
import type { UsageHistoryStore } from './history.js';

const MiB = 1024 * 1024;

/** What the collector reads from. */
export interface UsageCollectorDeps {
  db: Db;
  history: UsageHistoryStore;
  /** The attached hosts' agents, with their host ids. */
  agents: () => Map<HostAgent, string>;
  /** The storage pools whose capacity each host reports. */
  storagePools?: () => StoragePoolSpec[];
  now?: () => number;
}

const zero = (): UsageValues => Object.fromEntries(USAGE_METRICS.map((m) => [m, 0])) as UsageValues;

/** A domain's values between two of its records (rates per second). Pure. */
export function domainValues(prev: DomainStatsRecord, next: DomainStatsRecord): UsageValues {
  const dt = (next.sampledAt - prev.sampledAt) / 1000;
  const rate = (a: number, b: number) => (dt > 0 && b >= a ? (b - a) / dt : 0);
  return {
    ...zero(),
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

/**
 * A host's own values between two of its usage reports, with its guests' sum `guests`; and
 * one value set per storage location. Without a previous report, CPU and network rates are 0. Pure.
 */
export function hostValues(prev: HostUsage | undefined, next: HostUsage, guests: UsageValues): { host: UsageValues; locations: Map<string, UsageValues> } {
  const busy = (u: HostUsage) => u.cpu.userNs + u.cpu.kernelNs;
  const total = (u: HostUsage) => u.cpu.userNs + u.cpu.kernelNs + u.cpu.idleNs + u.cpu.iowaitNs;
  const dTotal = prev ? total(next) - total(prev) : 0;
  const dBusy = prev ? busy(next) - busy(prev) : 0;
  const dt = prev ? (next.sampledAt - prev.sampledAt) / 1000 : 0;
  const nicRate = (key: 'rxBytes' | 'txBytes') => {
    if (!prev || dt <= 0) return 0;
    let sum = 0;
    for (const n of next.nics) {
      const p = prev.nics.find((x) => x.device === n.device);
      if (p && n[key] >= p[key]) sum += (n[key] - p[key]) / dt;
    }
    return sum;
  };
  const locations = new Map<string, UsageValues>();
  for (const s of next.storage) locations.set(s.poolId, { ...zero(), storageUsedBytes: s.totalBytes - s.freeBytes, storageTotalBytes: s.totalBytes });
  const m = next.memory;
  return {
    host: {
      ...guests,
      cpuPercent: dTotal > 0 && dBusy >= 0 ? Math.min(100, (dBusy / dTotal) * 100) : 0,
      memoryBytes: m.totalBytes - m.availableBytes,
      memoryTotalBytes: m.totalBytes,
      netRxBps: nicRate('rxBytes'),
      netTxBps: nicRate('txBytes'),
      storageUsedBytes: [...locations.values()].reduce((a, v) => a + v.storageUsedBytes, 0),
      storageTotalBytes: [...locations.values()].reduce((a, v) => a + v.storageTotalBytes, 0),
      guestCpuPercent: guests.cpuPercent,
      guestMemoryBytes: guests.memoryBytes,
    },
    locations,
  };
}

const PERCENTS = ['cpuPercent', 'guestCpuPercent'] as const;

/** Sums of values, with CPU percentages as busy cores over the summed cores. */
class Sum {
  private readonly values = zero();
  private readonly busy = { cpuPercent: 0, guestCpuPercent: 0 };
  private cores = 0;
  /** Adds `v` measured on `cores` cores (its CPU % are of those cores); `capacity` cores join the denominator. */
  add(v: UsageValues, cores: number, capacity: number): void {
    for (const m of USAGE_METRICS) if (m !== 'cpuPercent' && m !== 'guestCpuPercent') this.values[m] += v[m];
    for (const p of PERCENTS) this.busy[p] += (v[p] / 100) * cores;
    this.cores += capacity;
  }
  result(): UsageValues {
    const pct = (p: (typeof PERCENTS)[number]) => (this.cores > 0 ? Math.min(100, (this.busy[p] / this.cores) * 100) : 0);
    return { ...this.values, cpuPercent: pct('cpuPercent'), guestCpuPercent: pct('guestCpuPercent') };
  }
}

/**
 * A compute pool's storage per location from its hosts' locations (storage pool id → values). A
 * local location is each host's own filesystem: their sizes add up. A shared one (NFS) is one
 * filesystem every host mounts: counted once, as the host that saw the most of it reports it. Pure.
 */
export function poolLocations(hostLocations: Map<string, UsageValues>[], isShared: (storagePoolId: string) => boolean): Map<string, UsageValues> {
  const out = new Map<string, UsageValues>();
  for (const locations of hostLocations)
    for (const [id, v] of locations) {
      const seen = out.get(id);
      if (!seen) out.set(id, { ...zero(), storageUsedBytes: v.storageUsedBytes, storageTotalBytes: v.storageTotalBytes });
      else if (!isShared(id)) {
        seen.storageUsedBytes += v.storageUsedBytes;
        seen.storageTotalBytes += v.storageTotalBytes;
      } else if (v.storageTotalBytes > seen.storageTotalBytes || (v.storageTotalBytes === seen.storageTotalBytes && v.storageUsedBytes > seen.storageUsedBytes))
        out.set(id, { ...zero(), storageUsedBytes: v.storageUsedBytes, storageTotalBytes: v.storageTotalBytes });
    }
  return out;
}

/** Samples every host periodically; keeps the newest sample of each series. */
export class UsageCollector {
  private prev = new Map<string, DomainStatsRecord>();
  private prevHosts = new Map<string, HostUsage>();
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
    const poolStorage = new Map<string, Map<string, UsageValues>[]>(); // compute pool → its hosts' locations
    const zone = new Sum();
    const seen = new Map<string, DomainStatsRecord>();
    const seenHosts = new Map<string, HostUsage>();
    const specs = this.deps.storagePools?.() ?? [];
    await Promise.all(
      [...this.deps.agents()].map(async ([agent, hostId]) => {
        const host = hostRows.get(hostId);
        if (!host || !agent.host.isOnline()) return;
        let records: DomainStatsRecord[];
        const usage = agent.host.usage(specs).catch((err: unknown) => {
          log.debug('host usage failed', { host: hostId, error: String(err) });
          return undefined;
        });
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
        const guests = sum.result();
        const own = await usage;
        let hv: UsageValues;
        if (own) {
          seenHosts.set(hostId, own);
          const values = hostValues(this.prevHosts.get(hostId), own, guests);
          hv = values.host;
          for (const [poolId, v] of values.locations) out.set(storageSeries(hostId, poolId), v);
          if (host.poolId) poolStorage.set(host.poolId, [...(poolStorage.get(host.poolId) ?? []), values.locations]);
        } else hv = { ...guests, guestCpuPercent: guests.cpuPercent, guestMemoryBytes: guests.memoryBytes };
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
    this.prevHosts = seenHosts;
    for (const [poolId, p] of pools) out.set(usageSeries('pool', poolId), p.result());
    const shared = new Set(specs.filter((s) => s.kind === 'nfs').map((s) => s.id));
    for (const [poolId, locations] of poolStorage)
      for (const [storagePoolId, v] of poolLocations(locations, (id) => shared.has(id))) out.set(poolStorageSeries(poolId, storagePoolId), v);
    out.set(usageSeries('zone'), zone.result());
    this.deps.history.add(out, at);
    const samples = [...out].map(([series, values]) => ({ series, t: at, values }));
    for (const s of samples) this.latest.set(s.series, s);
    for (const l of this.listeners) l(samples);
  }
}
