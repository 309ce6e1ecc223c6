/** The hosts as the scheduler sees them: rows, live state and facts, and what their instances claim. Read inside the placing transaction. */
import { eq, sql } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/client.js';
import { hostClaims, hosts, instances } from '../db/schema.js';
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

/** One host row with its claim, as the candidates' query returns it. */
interface ClaimRow {
  id: string;
  name: string;
  enabled: boolean | number;
  poolId: string | null;
  cpus: number;
  memoryMiB: number;
  cores: number | null;
  memory: number | null;
  disk: number | null;
}

const CANDIDATES_SQL =
  'select h.id, h.name, h.enabled, h.pool_id as poolId, h.cpus, h.memory_mib as memoryMiB, c.cores, c.memory_mib as memory, c.disk_bytes as disk from hosts h left join host_claims c on c.host_id = h.id';
/** The candidates' statements, prepared once per connection (a placement among 1,000 hosts must stay under 2 ms). */
const prepared = new WeakMap<object, { all: Statement<[], ClaimRow>; pool: Statement<[string], ClaimRow> }>();

/** The hosts (of one pool) with their claims: one prepared statement on the connection, or drizzle's query inside a drizzle transaction object. */
function claimRows(db: Db, poolId: string | undefined): ClaimRow[] {
  const client = (db as Partial<Pick<Db, '$client'>>).$client;
  if (client) {
    let stmts = prepared.get(client);
    if (!stmts) {
      stmts = { all: client.prepare<[], ClaimRow>(CANDIDATES_SQL), pool: client.prepare<[string], ClaimRow>(`${CANDIDATES_SQL} where h.pool_id = ?`) };
      prepared.set(client, stmts);
    }
    return poolId === undefined ? stmts.all.all() : stmts.pool.all(poolId);
  }
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

/** Cores, memory and virtual disk size claimed per host, summed from the instances themselves (what host_claims must equal; tests and the bench compare). */
export function claimsOf(db: Db): { hostId: string; cores: number; memory: number; disk: number }[] {
  const dataDisks = sql<number>`coalesce((select sum(json_extract(d.value, '$.sizeBytes')) from json_each(${instances.dataDisks}) d), 0)`;
  return db
    .select({
      hostId: instances.hostId,
      cores: sql<number>`sum(${instances.cores})`,
      memory: sql<number>`sum(${instances.memoryMiB})`,
      disk: sql<number>`sum(${instances.diskSizeBytes} + ${dataDisks})`,
    })
    .from(instances)
    .groupBy(instances.hostId)
    .all();
}
