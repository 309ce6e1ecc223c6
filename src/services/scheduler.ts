/**
 * The scheduler: a pure function that picks a host for a new instance. Filters hosts that
 * cannot take it, then scores by weighted free capacity (cores 2, memory 1.5, disk 0.5,
 * as Nano does). The caller records the claim in the same transaction that reads usage.
 */

import { memoryClaimSentence, overcommitted, vcpuClaimSentence } from '../shared/capacity.js';

/** A host as the scheduler sees it. */
export interface HostCandidate {
  id: string;
  /** Shown in the reasons a host was rejected. */
  name: string;
  online: boolean;
  enabled: boolean;
  poolId: string | null;
  cpus: number;
  memoryMiB: number;
  /** Cores and memory already claimed by instances placed on this host. */
  claimedCores: number;
  claimedMemoryMiB: number;
  /** Free disk space on the host's storage, when known. */
  freeDiskBytes?: number;
}

/** What the new instance needs. */
export interface PlacementRequest {
  poolId: string;
  cores: number;
  memoryMiB: number;
  diskBytes: number;
  cpuOvercommit: number;
  memoryOvercommit: number;
  /** Place on this host only. */
  pinnedHostId?: string;
}

/** Result: the chosen host, or why none fits (one reason per rejected host, by its name). */
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
    return `not enough vCPUs (${vcpuClaimSentence(host.claimedCores, host.cpus, req.cpuOvercommit)})`;
  if (host.claimedMemoryMiB + req.memoryMiB > overcommitted(host.memoryMiB, req.memoryOvercommit))
    return `not enough memory (${memoryClaimSentence(host.claimedMemoryMiB, host.memoryMiB, req.memoryOvercommit)})`;
  if (host.freeDiskBytes !== undefined && host.freeDiskBytes < req.diskBytes) return 'not enough disk space';
  return undefined;
}

function scoreHost(host: HostCandidate, req: PlacementRequest): number {
  const freeCores = 1 - (host.claimedCores + req.cores) / (host.cpus * req.cpuOvercommit);
  const freeMemory = 1 - (host.claimedMemoryMiB + req.memoryMiB) / (host.memoryMiB * req.memoryOvercommit);
  const freeDisk = host.freeDiskBytes === undefined ? 0.5 : Math.min(1, host.freeDiskBytes / (host.freeDiskBytes + req.diskBytes * 20));
  return WEIGHTS.cores * freeCores + WEIGHTS.memory * freeMemory + WEIGHTS.disk * freeDisk;
}
