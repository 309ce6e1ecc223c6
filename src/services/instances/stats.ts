/**
 * Live usage of instances: the hypervisor's cumulative counters turned into a CPU percentage
 * by comparing with the previous sample (kept in memory per instance).
 */
import type { DomainStats } from '../../hypervisor/types.js';
import type { InstanceStats } from '../../shared/api-types.js';
import { callAgent } from '../agent-errors.js';
import type { InstanceRuntime } from './runtime.js';
import type { InstanceStore } from './store.js';

/** CPU percentage between two samples of the same domain. Pure. */
export function cpuPercent(prev: DomainStats, next: DomainStats): number {
  const elapsedNs = (next.sampledAt - prev.sampledAt) * 1e6;
  if (elapsedNs <= 0 || next.vcpus <= 0 || next.cpuTimeNs < prev.cpuTimeNs) return 0;
  return Math.min(100, Math.max(0, ((next.cpuTimeNs - prev.cpuTimeNs) / (elapsedNs * next.vcpus)) * 100));
}

// Without a previous sample this recent, take a second one after a short pause.
const MAX_SAMPLE_AGE_MS = 30_000;
const FIRST_INTERVAL_MS = 250;

/** Samples instance usage. */
export class InstanceStatsService {
  private readonly last = new Map<string, DomainStats>();

  constructor(
    private readonly store: InstanceStore,
    private readonly runtime: InstanceRuntime,
  ) {}

  /** Current usage of one instance. */
  async usage(idOrName: string): Promise<InstanceStats> {
    const row = this.store.get(idOrName);
    const agent = this.runtime.agentFor(row);
    const sample = () => callAgent(row.name, () => agent.domains.stats(row.domainName));
    let prev = this.last.get(row.id);
    let next = await sample();
    if (!prev || next.sampledAt - prev.sampledAt > MAX_SAMPLE_AGE_MS) {
      prev = next;
      await new Promise((r) => setTimeout(r, FIRST_INTERVAL_MS));
      next = await sample();
    }
    this.last.set(row.id, next);
    this.forgetStale(next.sampledAt);
    return {
      state: row.state,
      cpuPercent: Math.round(cpuPercent(prev, next) * 10) / 10,
      memoryMiB: next.memoryMiB,
      diskReadBytes: next.diskReadBytes,
      diskWriteBytes: next.diskWriteBytes,
      netRxBytes: next.netRxBytes,
      netTxBytes: next.netTxBytes,
      sampledAt: new Date(next.sampledAt).toISOString(),
    };
  }

  /** Drops samples nobody asked for recently (deleted instances, closed pages). */
  private forgetStale(now: number): void {
    for (const [id, sample] of this.last) if (now - sample.sampledAt > MAX_SAMPLE_AGE_MS) this.last.delete(id);
  }
}
