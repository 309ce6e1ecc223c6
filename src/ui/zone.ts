/**
 * Loads the whole zone (pools, hosts, instances) and sums what each host and pool has claimed,
 * counted as the scheduler counts it: every instance placed on a host holds its cores and
 * memory, against the host's own times its pool's overcommit.
 */
import { overcommitted } from '../shared/capacity.js';
import type { Host, Instance, Pool } from '../shared/api-types.js';
import { api } from './api.js';

/** Everything the dashboard, hosts and pools pages show. */
export interface Zone {
  pools: Pool[];
  hosts: Host[];
  instances: Instance[];
}

/** Fetches the three lists in parallel. */
export async function loadZone(): Promise<Zone> {
  const [pools, hosts, instances] = await Promise.all([api.pools.list(), api.hosts.list(), api.instances.list()]);
  return { pools, hosts, instances };
}

/** Totals of a set of hosts and the instances on them. */
export interface Usage {
  /** The hosts' own CPUs and memory. */
  cpus: number;
  memoryMiB: number;
  /** What the scheduler may hand out: own × the pool's overcommit. */
  vcpus: number;
  memoryCapacityMiB: number;
  /** The overcommit of every host's pool, when they share one (else undefined). */
  cpuOvercommit?: number;
  memoryOvercommit?: number;
  claimedCores: number;
  claimedMemoryMiB: number;
  /** Virtual disk sizes of the instances (what they may grow to). */
  diskBytes: number;
  /** Size and free space of the storage filesystems of the hosts that report them. */
  diskTotalBytes: number;
  diskFreeBytes: number;
  /** How many hosts report their disk, of `hosts`. */
  diskHosts: number;
  hosts: number;
  running: number;
  stopped: number;
  lost: number;
  other: number;
}

/** The one value all items share, else undefined. */
const shared = (values: number[]) => (values.length > 0 && values.every((v) => v === values[0]) ? values[0] : undefined);

/** Sums capacity of `hosts` (under their pools' overcommit) and what `instances` claim. */
export function usageOf(hosts: Host[], instances: Instance[], pools: Pool[]): Usage {
  const u: Usage = {
    cpus: 0, memoryMiB: 0, vcpus: 0, memoryCapacityMiB: 0, claimedCores: 0, claimedMemoryMiB: 0, diskBytes: 0,
    diskTotalBytes: 0, diskFreeBytes: 0, diskHosts: 0, hosts: hosts.length, running: 0, stopped: 0, lost: 0, other: 0,
  };
  const poolOf = (h: Host) => pools.find((p) => p.id === h.poolId);
  for (const h of hosts) {
    const pool = poolOf(h);
    u.cpus += h.cpus;
    u.memoryMiB += h.memoryMiB;
    u.vcpus += overcommitted(h.cpus, pool?.cpuOvercommit ?? 1);
    u.memoryCapacityMiB += overcommitted(h.memoryMiB, pool?.memoryOvercommit ?? 1);
    if (typeof h.diskTotalBytes === 'number' && typeof h.diskFreeBytes === 'number') {
      u.diskTotalBytes += h.diskTotalBytes;
      u.diskFreeBytes += h.diskFreeBytes;
      u.diskHosts++;
    }
  }
  u.cpuOvercommit = shared(hosts.map((h) => poolOf(h)?.cpuOvercommit ?? 1));
  u.memoryOvercommit = shared(hosts.map((h) => poolOf(h)?.memoryOvercommit ?? 1));
  for (const i of instances) {
    u.claimedCores += i.cores;
    u.claimedMemoryMiB += i.memoryMiB;
    u.diskBytes += i.diskSizeBytes;
    if (i.state === 'running') u.running++;
    else if (i.state === 'stopped') u.stopped++;
    else if (i.state === 'lost') u.lost++;
    else u.other++;
  }
  return u;
}

/** Hosts of a pool and the instances on them. */
export function poolParts(zone: Zone, poolId: string): { hosts: Host[]; instances: Instance[] } {
  return { hosts: zone.hosts.filter((h) => h.poolId === poolId), instances: zone.instances.filter((i) => i.poolId === poolId) };
}

/** A host and the instances on it. */
export function hostParts(zone: Zone, hostId: string): { hosts: Host[]; instances: Instance[] } {
  return { hosts: zone.hosts.filter((h) => h.id === hostId), instances: zone.instances.filter((i) => i.hostId === hostId) };
}
