/**
 * The CPU of each compute pool: the baseline of its hosts' CPUs (what every host's hypervisor can
 * give a guest), so an instance of the pool runs on any of its hosts and may live-migrate between
 * them even on mixed hardware. It is recomputed when the pool's membership changes (a host added or
 * removed, a host attaching with a CPU it did not report before), by the hypervisor of an online
 * host of the pool, and stored on the pool; instances take it when their domain is next defined
 * (create, cold start, cold migration).
 *
 * A pool with a single host keeps the accelerator's default CPU until it has had a baseline (it
 * has nowhere to move a guest to); once it has one, it keeps a baseline (of its remaining hosts), so
 * its instances do not change CPU back and forth as hosts come and go.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import type { CpuDefinition } from '../cluster/agent-types.js';
import type { HostAgents } from '../cluster/host-agent.js';
import type { Db } from '../db/client.js';
import { computePools, hosts } from '../db/schema.js';
import { KeyedMutex } from '../lib/keyed-mutex.js';
import { log } from '../lib/log.js';

/** What a recompute did (for logs and tests). */
export type BaselineOutcome =
  | { kind: 'stored'; model: string; hostIds: string[] }
  | { kind: 'cleared' }
  | { kind: 'unchanged'; reason: string };

/** Stores and recomputes the pools' CPU baselines. */
export class PoolCpuService {
  private readonly runs = new KeyedMutex();

  constructor(
    private readonly db: Db,
    private readonly agents: HostAgents,
  ) {}

  /** The CPU instances of the pool get, or undefined (the accelerator's default). */
  cpuOf(poolId: string): CpuDefinition | undefined {
    return this.db.select({ cpu: computePools.cpuBaseline }).from(computePools).where(eq(computePools.id, poolId)).get()?.cpu ?? undefined;
  }

  /** Whether the pool's stored baseline covers this host (a host that attaches with a new CPU, or was never in it, calls for a recompute). */
  covers(poolId: string, hostId: string): boolean {
    const pool = this.db.select({ ids: computePools.cpuBaselineHostIds }).from(computePools).where(eq(computePools.id, poolId)).get();
    return pool?.ids.includes(hostId) === true;
  }

  /**
   * Recomputes the baseline of each given pool (nulls skipped) from the CPUs its hosts reported.
   * Never throws: a pool whose hosts are all offline, or whose baseline the hypervisor refuses,
   * keeps what it has and the reason is logged. Runs for one pool happen one at a time.
   */
  async recompute(...poolIds: (string | null)[]): Promise<BaselineOutcome[]> {
    const ids = [...new Set(poolIds.filter((id): id is string => id !== null))];
    return Promise.all(ids.map((id) => this.runs.run(id, () => this.recomputeNow(id))));
  }

  private async recomputeNow(poolId: string): Promise<BaselineOutcome> {
    const pool = this.db.select().from(computePools).where(eq(computePools.id, poolId)).get();
    if (!pool) return { kind: 'unchanged', reason: 'the pool is gone' };
    const members = this.db.select({ id: hosts.id, cpu: hosts.cpu }).from(hosts).where(and(eq(hosts.poolId, poolId), isNotNull(hosts.cpu))).orderBy(hosts.name).all();
    if (members.length === 0) {
      this.store(poolId, null, []);
      return { kind: 'cleared' };
    }
    if (members.length === 1 && pool.cpuBaseline === null) return { kind: 'unchanged', reason: 'a single host and no baseline yet' };
    const computer = members.map((m) => this.agents.find(m.id)).find((agent) => agent?.host.isOnline());
    if (!computer) {
      log.warn('pool CPU baseline not recomputed: no host of the pool is online', { pool: pool.name });
      return { kind: 'unchanged', reason: 'no host of the pool is online' };
    }
    try {
      const cpu = await computer.host.baselineCpu(members.map((m) => m.cpu ?? ''));
      const hostIds = members.map((m) => m.id);
      this.store(poolId, cpu, hostIds);
      log.info('pool CPU baseline', { pool: pool.name, model: cpu.model, features: cpu.features.length, hosts: hostIds.length });
      return { kind: 'stored', model: cpu.model, hostIds };
    } catch (err) {
      log.warn('pool CPU baseline not recomputed: the hypervisor refused', { pool: pool.name, error: String(err) });
      return { kind: 'unchanged', reason: String(err) };
    }
  }

  private store(poolId: string, cpu: CpuDefinition | null, hostIds: string[]): void {
    this.db.update(computePools).set({ cpuBaseline: cpu, cpuBaselineHostIds: hostIds }).where(eq(computePools.id, poolId)).run();
  }
}
