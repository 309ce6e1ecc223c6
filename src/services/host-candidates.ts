/** The hosts as the scheduler sees them: rows, live state and facts, and what their instances claim. Read inside the placing transaction. */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { hosts, instances } from '../db/schema.js';
import type { HostsService } from './hosts.js';
import type { HostCandidate } from './scheduler.js';

/** Every host with its claims; disk capacity as each host reports it for `storagePoolId`. */
export function hostCandidates(db: Db, live: Pick<HostsService, 'isOnline' | 'factsOf'>, storagePoolId: string): HostCandidate[] {
  const dataDisks = sql<number>`coalesce((select sum(json_extract(d.value, '$.sizeBytes')) from json_each(${instances.dataDisks}) d), 0)`;
  const claims = db
    .select({
      hostId: instances.hostId,
      cores: sql<number>`sum(${instances.cores})`,
      memory: sql<number>`sum(${instances.memoryMiB})`,
      disk: sql<number>`sum(${instances.diskSizeBytes} + ${dataDisks})`,
    })
    .from(instances)
    .groupBy(instances.hostId)
    .all();
  return db.select().from(hosts).all().map((h) => {
    const claim = claims.find((c) => c.hostId === h.id);
    const storage = live.factsOf(h.id)?.storage.find((s) => s.poolId === storagePoolId);
    return {
      id: h.id, name: h.name, online: live.isOnline(h.id), enabled: h.enabled, poolId: h.poolId, cpus: h.cpus, memoryMiB: h.memoryMiB,
      claimedCores: claim?.cores ?? 0, claimedMemoryMiB: claim?.memory ?? 0, claimedDiskBytes: claim?.disk ?? 0,
      storageTotalBytes: storage?.totalBytes, freeDiskBytes: storage?.freeBytes,
    };
  });
}
