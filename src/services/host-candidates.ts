/** The hosts as the scheduler sees them: rows, live state and facts, and what their instances claim. Read inside the placing transaction. */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { hostClaims, hosts, instances, migrationReservations } from '../db/schema.js';
import { candidateCopyOf, type ClaimRow } from './candidate-copy.js';
import type { HostsService } from './hosts.js';
import type { HostCandidate } from './scheduler.js';

/** A host's newest measured load: CPU busy % and memory in use (bytes of its total). */
export interface HostLoad {
  cpuPercent: number;
  memoryBytes: number;
  memoryTotalBytes: number;
}

/** What {@link hostCandidates} may add: only the hosts of one compute pool, their measured load, the networks missing on each. */
export interface CandidateOptions {
  poolId?: string;
  loadOf?: (hostId: string) => HostLoad | undefined;
  missingNetworks?: ReadonlyMap<string, string[]>;
}

/** The hosts (of one pool) with their claims: the connection's in-memory copy brought up to this transaction, or drizzle's query inside a drizzle transaction object. */
function claimRows(db: Db, poolId: string | undefined): ClaimRow[] {
  const client = (db as Partial<Pick<Db, '$client'>>).$client;
  if (client) return candidateCopyOf(client).rows(poolId);
  const query = db
    .select({
      id: hosts.id, name: hosts.name, enabled: hosts.enabled, poolId: hosts.poolId, cpus: hosts.cpus, memoryMiB: hosts.memoryMiB,
      cores: hostClaims.cores, memory: hostClaims.memoryMiB, disk: hostClaims.diskBytes,
    })
    .from(hosts)
    .leftJoin(hostClaims, eq(hostClaims.hostId, hosts.id));
  return poolId === undefined ? query.all() : query.where(eq(hosts.poolId, poolId)).all();
}

/**
 * Every host (of `opts.poolId` when given) with its claims (host_claims, kept by triggers on
 * instances: one row per host, however many instances); disk capacity as each host reports it
 * for `storagePoolId`. Call it inside the transaction that records the new instance.
 */
export function hostCandidates(db: Db, live: Pick<HostsService, 'isOnline' | 'factsOf'>, storagePoolId: string, opts: CandidateOptions = {}): HostCandidate[] {
  return claimRows(db, opts.poolId).map((h) => {
    const candidate: HostCandidate = {
      id: h.id, name: h.name, online: live.isOnline(h.id), enabled: Boolean(h.enabled), poolId: h.poolId, cpus: h.cpus, memoryMiB: h.memoryMiB,
      claimedCores: h.cores ?? 0, claimedMemoryMiB: h.memory ?? 0, claimedDiskBytes: h.disk ?? 0, storageTotalBytes: undefined, freeDiskBytes: undefined,
    };
    const storage = live.factsOf(h.id)?.storage.find((s) => s.poolId === storagePoolId);
    if (storage) {
      candidate.storageTotalBytes = storage.totalBytes;
      candidate.freeDiskBytes = storage.freeBytes;
    }
    const load = opts.loadOf?.(h.id);
    if (load) {
      candidate.cpuLoadPercent = load.cpuPercent;
      if (load.memoryTotalBytes > 0) candidate.memoryUsedFraction = load.memoryBytes / load.memoryTotalBytes;
    }
    const missing = opts.missingNetworks?.get(h.id);
    if (missing?.length) candidate.missingNetworks = missing;
    return candidate;
  });
}

/** Cores, memory and virtual disk size claimed per host, summed from the instances themselves and the migrations' reservations (what host_claims must equal; tests and the bench compare). */
export function claimsOf(db: Db): { hostId: string; cores: number; memory: number; disk: number }[] {
  const dataDisks = sql<number>`coalesce((select sum(json_extract(d.value, '$.sizeBytes')) from json_each(${instances.dataDisks}) d), 0)`;
  const placed = db
    .select({
      hostId: instances.hostId,
      cores: sql<number>`sum(${instances.cores})`,
      memory: sql<number>`sum(${instances.memoryMiB})`,
      disk: sql<number>`sum(${instances.diskSizeBytes} + ${dataDisks})`,
    })
    .from(instances)
    .groupBy(instances.hostId)
    .all();
  const byHost = new Map(placed.map((c) => [c.hostId, c]));
  for (const r of db.select().from(migrationReservations).all()) {
    const c = byHost.get(r.hostId) ?? { hostId: r.hostId, cores: 0, memory: 0, disk: 0 };
    byHost.set(r.hostId, { hostId: r.hostId, cores: c.cores + r.cores, memory: c.memory + r.memoryMiB, disk: c.disk + r.diskBytes });
  }
  return [...byHost.values()];
}
