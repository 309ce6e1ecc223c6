/**
 * Per-host state of storage pools: each host of the compute pools attached to a pool is asked
 * (through its HostAgent, so a peer answers too) to reach the pool and write a probe file there.
 * The last answer per host is kept in memory and shown on the pool; failures keep their reason.
 */
import { inArray } from 'drizzle-orm';
import type { HostAgents } from '../cluster/host-agent.js';
import type { Db } from '../db/client.js';
import { hosts } from '../db/schema.js';
import type { StoragePoolHostState } from '../shared/pools.js';
import type { HostsService } from './hosts.js';
import type { StoragePoolsService } from './storage-pools.js';

/** Probes and remembers how each host reaches each storage pool. */
export class StoragePoolProbes {
  private readonly last = new Map<string, Map<string, StoragePoolHostState>>();

  constructor(
    private readonly db: Db,
    private readonly agents: HostAgents,
    private readonly hosts: HostsService,
    private readonly storagePools: StoragePoolsService,
  ) {}

  /** Probes the pool on every online host of the compute pools using it; returns every host's last state. */
  async probe(poolId: string): Promise<StoragePoolHostState[]> {
    const spec = this.storagePools.specOf(poolId);
    const computePoolIds = this.storagePools.computePoolsOf(poolId);
    const hostIds = computePoolIds.length === 0 ? [] : this.db.select({ id: hosts.id }).from(hosts).where(inArray(hosts.poolId, computePoolIds)).all().map((h) => h.id);
    const states = this.stateOf(poolId);
    await Promise.all(
      hostIds.map(async (hostId) => {
        const agent = this.hosts.isOnline(hostId) ? this.agents.find(hostId) : undefined;
        const checkedAt = new Date().toISOString();
        if (!agent) {
          states.set(hostId, { hostId, state: 'error', mode: 'qemu', message: 'The host is offline.', location: null, mountOptions: null, totalBytes: null, freeBytes: null, checkedAt });
          return;
        }
        const probe = await agent.volumes.probePool(spec).catch((err: unknown) => ({
          state: 'error' as const, mode: 'qemu' as const, message: err instanceof Error ? err.message : String(err), location: null, mountOptions: null, totalBytes: null, freeBytes: null,
        }));
        states.set(hostId, { hostId, ...probe, checkedAt });
      }),
    );
    for (const id of states.keys()) if (!hostIds.includes(id)) states.delete(id);
    return this.states(poolId);
  }

  /** The last state of each host that was probed (no probe: empty). */
  states(poolId: string): StoragePoolHostState[] {
    return [...(this.last.get(poolId)?.values() ?? [])].sort((a, b) => a.hostId.localeCompare(b.hostId));
  }

  /** Forgets a deleted pool. */
  forget(poolId: string): void {
    this.last.delete(poolId);
  }

  private stateOf(poolId: string): Map<string, StoragePoolHostState> {
    let states = this.last.get(poolId);
    if (!states) this.last.set(poolId, (states = new Map()));
    return states;
  }
}
