/** Loads the whole zone (pools, hosts, instances) and sums what each host and pool has claimed. */
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
  cpus: number;
  memoryMiB: number;
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

/** Whether an instance holds its cores and memory (it is on, or about to be). */
const holdsResources = (i: Instance) => i.state !== 'deleting';

/** Sums capacity of `hosts` and what `instances` claim. */
export function usageOf(hosts: Host[], instances: Instance[]): Usage {
  const u: Usage = { cpus: 0, memoryMiB: 0, claimedCores: 0, claimedMemoryMiB: 0, diskBytes: 0, diskTotalBytes: 0, diskFreeBytes: 0, diskHosts: 0, hosts: hosts.length, running: 0, stopped: 0, lost: 0, other: 0 };
  for (const h of hosts) {
    u.cpus += h.cpus;
    u.memoryMiB += h.memoryMiB;
    if (typeof h.diskTotalBytes === 'number' && typeof h.diskFreeBytes === 'number') {
      u.diskTotalBytes += h.diskTotalBytes;
      u.diskFreeBytes += h.diskFreeBytes;
      u.diskHosts++;
    }
  }
  for (const i of instances) {
    if (holdsResources(i)) {
      u.claimedCores += i.cores;
      u.claimedMemoryMiB += i.memoryMiB;
      u.diskBytes += i.diskSizeBytes;
    }
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
