/**
 * The scheduler: a pure function that picks a host for a new instance. Filters hosts that
 * cannot take it, then scores by weighted free capacity (cores 2, memory 1.5, disk 0.5,
 * as Nano does). The caller records the claim in the same transaction that reads usage.
 */
import { gib } from '../lib/english.js';
import { memoryClaimSentence, overcommitted, vcpuClaimSentence } from '../shared/capacity.js';

/** A host as the scheduler sees it. */
export interface HostCandidate {
  id: string;
  /** Shown in reasons. */
  name: string;
  online: boolean;
  enabled: boolean;
  poolId: string | null;
  cpus: number;
  memoryMiB: number;
  /** Cores, memory and virtual disk size already claimed by instances placed on this host. */
  claimedCores: number;
  claimedMemoryMiB: number;
  claimedDiskBytes: number;
  /** Size and free space of the host's storage for the pool, when known. */
  storageTotalBytes?: number;
  freeDiskBytes?: number;
}

/** What the new instance needs. */
export interface PlacementRequest {
  poolId: string;
  cores: number;
  memoryMiB: number;
  /** Virtual size of all its disks. */
  diskBytes: number;
  cpuOvercommit: number;
  memoryOvercommit: number;
  /** Thin disks may promise this many times the storage's size. */
  diskOvercommit: number;
  /** Place on this host only. */
  pinnedHostId?: string;
}

/** Result: the chosen host, or why none fits (one reason per rejected host). */
export type Placement = { hostId: string; reasons?: undefined } | { hostId: undefined; reasons: string[] };

const WEIGHTS = { cores: 2, memory: 1.5, disk: 0.5 };

/** Picks the best host for the request. */
export function placeInstance(hosts: HostCandidate[], req: PlacementRequest): Placement {
  const reasons: string[] = [];
  let best: { id: string; score: number } | undefined;
  for (const host of hosts) {
    const why = rejectReason(host, req);
    if (why) {
      reasons.push(`${host.name}: ${why}`);
      continue;
    }
    const score = scoreHost(host, req);
    if (!best || score > best.score || (score === best.score && host.id < best.id)) best = { id: host.id, score };
  }
  return best ? { hostId: best.id } : { hostId: undefined, reasons };
}

function rejectReason(host: HostCandidate, req: PlacementRequest): string | undefined {
  if (req.pinnedHostId && host.id !== req.pinnedHostId) return 'not the pinned host';
  if (host.poolId !== req.poolId) return 'not in the pool';
  if (!host.online) return 'offline';
  if (!host.enabled) return 'disabled for scheduling';
  if (host.claimedCores + req.cores > overcommitted(host.cpus, req.cpuOvercommit))
    return `not enough vCPUs for ${req.cores} more (${vcpuClaimSentence(host.claimedCores, host.cpus, req.cpuOvercommit)})`;
  if (host.claimedMemoryMiB + req.memoryMiB > overcommitted(host.memoryMiB, req.memoryOvercommit))
    return `not enough memory for ${req.memoryMiB} MiB more (${memoryClaimSentence(host.claimedMemoryMiB, host.memoryMiB, req.memoryOvercommit)})`;
  if (host.freeDiskBytes !== undefined && host.freeDiskBytes < req.diskBytes) return `not enough free disk (${gib(host.freeDiskBytes)} free, the disks need ${gib(req.diskBytes)})`;
  if (host.storageTotalBytes !== undefined && host.claimedDiskBytes + req.diskBytes > host.storageTotalBytes * req.diskOvercommit)
    return `thin disks would promise more than ${req.diskOvercommit}× the storage (${gib(host.claimedDiskBytes)} of ${gib(host.storageTotalBytes * req.diskOvercommit)} promised)`;
  return undefined;
}

function scoreHost(host: HostCandidate, req: PlacementRequest): number {
  const freeCores = 1 - (host.claimedCores + req.cores) / (host.cpus * req.cpuOvercommit);
  const freeMemory = 1 - (host.claimedMemoryMiB + req.memoryMiB) / (host.memoryMiB * req.memoryOvercommit);
  const freeDisk = host.freeDiskBytes === undefined ? 0.5 : Math.min(1, host.freeDiskBytes / (host.freeDiskBytes + req.diskBytes * 20));
  return WEIGHTS.cores * freeCores + WEIGHTS.memory * freeMemory + WEIGHTS.disk * freeDisk;
}
