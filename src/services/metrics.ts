/**
 * What `/metrics` shows, gathered in one pass: hosts (capacity, what is placed on them, their
 * own CPU time, memory and NIC counters and storage per location from one host usage call
 * each), compute pools (sums), instances (size and the hypervisor's cumulative counters of the
 * running ones). The API layer renders it as Prometheus text.
 *
 * Per-instance counters come from one stats call per running domain (at most
 * STATS_CONCURRENCY at a time, each bounded by STATS_TIMEOUT_MS): the host agent has no bulk
 * call (virConnectGetAllDomainStats) yet. A domain that does not answer is left out.
 */
import { sql } from 'drizzle-orm';
import type { HostUsage } from '../cluster/agent-types.js';
import type { Db } from '../db/client.js';
import { instances } from '../db/schema.js';
import type { DomainStats } from '../hypervisor/types.js';
import type { HostsService } from './hosts.js';
import type { InstanceRuntime } from './instances/runtime.js';
import type { Instance } from './instances/store.js';
import type { PoolsService } from './pools.js';
import type { StoragePoolsService } from './storage-pools.js';

const STATS_CONCURRENCY = 8;
const STATS_TIMEOUT_MS = 3_000;

/** One host's figures. */
export interface HostMetrics {
  id: string;
  name: string;
  poolId: string | null;
  online: boolean;
  cpus: number;
  memoryBytes: number;
  /** vCPUs and memory of the instances placed on it. */
  allocatedVcpus: number;
  allocatedMemoryBytes: number;
  storage: { storagePool: string; totalBytes: number; freeBytes: number }[];
  instancesByState: Record<string, number>;
  /** The host's own CPU counters, memory and NIC counters, when its agent answered in time. */
  usage?: HostUsage;
}

/** One instance's figures; `stats` only for running ones that answered. */
export interface InstanceMetrics {
  id: string;
  name: string;
  hostId: string;
  poolId: string;
  state: string;
  vcpus: number;
  memoryBytes: number;
  stats?: DomainStats;
}

/** Everything `/metrics` shows about the cloud. */
export interface CloudMetrics {
  hosts: HostMetrics[];
  pools: { id: string; name: string }[];
  instances: InstanceMetrics[];
}

const MiB = 1024 * 1024;

/** Gathers {@link CloudMetrics}. */
export class MetricsService {
  constructor(
    private readonly deps: { db: Db; hosts: HostsService; pools: PoolsService; storagePools: StoragePoolsService; runtime: InstanceRuntime },
  ) {}

  /** Counts and sums from the database, then the counters of the running instances. */
  async collect(): Promise<CloudMetrics> {
    const { db, hosts, pools, storagePools } = this.deps;
    const storageNames = new Map(storagePools.list().map((p) => [p.id, p.name]));
    const placed = db
      .select({ hostId: instances.hostId, state: instances.state, n: sql<number>`count(*)`, cores: sql<number>`sum(${instances.cores})`, memoryMiB: sql<number>`sum(${instances.memoryMiB})` })
      .from(instances)
      .groupBy(instances.hostId, instances.state)
      .all();
    const hostRows = hosts.list().map((h): HostMetrics => {
      const mine = placed.filter((p) => p.hostId === h.id);
      return {
        id: h.id, name: h.name, poolId: h.poolId, online: hosts.isOnline(h.id), cpus: h.cpus, memoryBytes: h.memoryMiB * MiB,
        allocatedVcpus: mine.reduce((a, p) => a + p.cores, 0), allocatedMemoryBytes: mine.reduce((a, p) => a + p.memoryMiB, 0) * MiB,
        storage: (hosts.factsOf(h.id)?.storage ?? []).map((s) => ({ storagePool: storageNames.get(s.poolId) ?? s.poolId, totalBytes: s.totalBytes, freeBytes: s.freeBytes })),
        instancesByState: Object.fromEntries(mine.map((p) => [p.state, p.n])),
      };
    });
    const rows = db.select().from(instances).orderBy(instances.name, instances.id).all();
    const [stats] = await Promise.all([this.sample(rows.filter((r) => r.state === 'running' || r.state === 'paused')), this.hostUsage(hostRows)]);
    return {
      hosts: hostRows,
      pools: pools.list().map((p) => ({ id: p.id, name: p.name })),
      instances: rows.map((r) => ({ id: r.id, name: r.name, hostId: r.hostId, poolId: r.poolId, state: r.state, vcpus: r.cores, memoryBytes: r.memoryMiB * MiB, stats: stats.get(r.id) })),
    };
  }

  /** Asks each online host for its own usage (bounded by STATS_TIMEOUT_MS); fresh storage figures replace the facts'. */
  private async hostUsage(rows: HostMetrics[]): Promise<void> {
    const specs = this.deps.storagePools.specs();
    const names = new Map(this.deps.storagePools.list().map((p) => [p.id, p.name]));
    await Promise.all(
      rows.map(async (h) => {
        const agent = this.deps.runtime.deps.agents.find(h.id);
        if (!agent || !h.online) return;
        const usage = await withTimeout(agent.host.usage(specs).catch(() => undefined));
        if (!usage) return;
        h.usage = usage;
        h.storage = usage.storage.map((s) => ({ storagePool: names.get(s.poolId) ?? s.poolId, totalBytes: s.totalBytes, freeBytes: s.freeBytes }));
      }),
    );
  }

  private async sample(rows: Instance[]): Promise<Map<string, DomainStats>> {
    const out = new Map<string, DomainStats>();
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++];
        const agent = this.deps.runtime.deps.agents.find(row.hostId);
        if (!agent) continue;
        const stats = await withTimeout(agent.domains.stats(row.domainName).catch(() => undefined));
        if (stats) out.set(row.id, stats);
      }
    };
    await Promise.all(Array.from({ length: Math.min(STATS_CONCURRENCY, rows.length) }, worker));
    return out;
  }
}

/** `p`'s value, or undefined when it takes longer than STATS_TIMEOUT_MS. */
async function withTimeout<T>(p: Promise<T | undefined>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), STATS_TIMEOUT_MS)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
