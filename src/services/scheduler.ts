/**
 * The scheduler: a pure function that picks a host for a new instance. Filters hosts that
 * cannot take it (online, enabled, cores / memory / disk under the pool's overcommit, CPU load
 * under the pool's ceiling, the instance's networks present), then scores by weighted free
 * capacity (cores 2, memory 1.5, disk 0.5, as Nano does), each free fraction the average of
 * the configured (claimed) and the real-time (measured) one. The caller reads the candidates
 * and records the claim (the instance row) in one synchronous SQLite transaction.
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
  /** The host's measured CPU busy %, 0–100 (newest usage sample), when known. */
  cpuLoadPercent?: number;
  /** The host's measured memory in use, 0–1 of its total, when known. */
  memoryUsedFraction?: number;
  /** The instance's networks that are not usable on this host (a bridged network whose bridge is missing), by name. */
  missingNetworks?: readonly string[];
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
  /** Hosts whose measured CPU busy % is above this are skipped (100 = no ceiling). */
  cpuLoadCeiling?: number;
  /** Place on this host only. */
  pinnedHostId?: string;
}

/** Why one host was refused: its name and every reason. */
export interface HostRefusal {
  host: string;
  reasons: string[];
}

/** Result: the chosen host, or why none fits (`reasons`: "name: reason" sentences; `hosts`: the same, structured). */
export type Placement = { hostId: string; reasons?: undefined; hosts?: undefined } | { hostId: undefined; reasons: string[]; hosts: HostRefusal[] };

/** The weights of free cores, memory and disk in a host's score (Nano's). */
export const SCORE_WEIGHTS = { cores: 2, memory: 1.5, disk: 0.5 } as const;

/** Picks the best host for the request. */
export function placeInstance(hosts: HostCandidate[], req: PlacementRequest): Placement {
  const refusals: HostRefusal[] = [];
  let best: { id: string; score: number } | undefined;
  for (const host of hosts) {
    if (req.pinnedHostId && host.id !== req.pinnedHostId) continue;
    const why = refusalReasons(host, req);
    if (why.length) {
      refusals.push({ host: host.name, reasons: why });
      continue;
    }
    const score = scoreHost(host, req);
    if (!best || score > best.score || (score === best.score && host.id < best.id)) best = { id: host.id, score };
  }
  if (best) return { hostId: best.id };
  return { hostId: undefined, hosts: refusals, reasons: refusals.flatMap((r) => r.reasons.map((why) => `${r.host}: ${why}`)) };
}

/** Every reason the host cannot take the request; [] when it can. An offline or disabled host gets that reason alone. */
export function refusalReasons(host: HostCandidate, req: PlacementRequest): string[] {
  if (host.poolId !== req.poolId) return ['not in the pool'];
  if (!host.online) return ['offline'];
  if (!host.enabled) return ['disabled for scheduling'];
  const out: string[] = [];
  if (host.claimedCores + req.cores > overcommitted(host.cpus, req.cpuOvercommit))
    out.push(`not enough vCPUs for ${req.cores} more (${vcpuClaimSentence(host.claimedCores, host.cpus, req.cpuOvercommit)})`);
  if (host.claimedMemoryMiB + req.memoryMiB > overcommitted(host.memoryMiB, req.memoryOvercommit))
    out.push(`not enough memory for ${req.memoryMiB} MiB more (${memoryClaimSentence(host.claimedMemoryMiB, host.memoryMiB, req.memoryOvercommit)})`);
  if (host.freeDiskBytes !== undefined && host.freeDiskBytes < req.diskBytes) out.push(`not enough free disk (${gib(host.freeDiskBytes)} free, the disks need ${gib(req.diskBytes)})`);
  if (host.storageTotalBytes !== undefined && host.claimedDiskBytes + req.diskBytes > host.storageTotalBytes * req.diskOvercommit)
    out.push(`thin disks would promise more than ${req.diskOvercommit}× the storage (${gib(host.claimedDiskBytes)} of ${gib(host.storageTotalBytes * req.diskOvercommit)} promised)`);
  const ceiling = req.cpuLoadCeiling ?? 100;
  if (host.cpuLoadPercent !== undefined && ceiling < 100 && host.cpuLoadPercent > ceiling)
    out.push(`CPU load ${Math.round(host.cpuLoadPercent)}% is above the pool's ceiling of ${ceiling}%`);
  if (host.missingNetworks?.length) out.push(`network ${host.missingNetworks.join(', ')} is not available on this host`);
  return out;
}

/** The average of the configured and the measured fraction (the configured alone when nothing was measured). */
const blend = (configured: number, measured: number | undefined): number => (measured === undefined ? configured : (configured + measured) / 2);

/**
 * A host's score: the weighted sum of its free fractions of cores, memory and disk once the
 * request is on it. Each used fraction averages the configured one (claims over the
 * overcommitted capacity) and the measured one (real-time load); higher is better.
 */
export function scoreHost(host: HostCandidate, req: PlacementRequest): number {
  const coresUsed = blend((host.claimedCores + req.cores) / overcommitted(host.cpus, req.cpuOvercommit), host.cpuLoadPercent === undefined ? undefined : host.cpuLoadPercent / 100);
  const memoryUsed = blend(
    (host.claimedMemoryMiB + req.memoryMiB) / overcommitted(host.memoryMiB, req.memoryOvercommit),
    host.memoryUsedFraction === undefined ? undefined : Math.min(1, host.memoryUsedFraction + req.memoryMiB / host.memoryMiB),
  );
  const total = host.storageTotalBytes;
  const diskUsed =
    total === undefined || total <= 0
      ? 0.5
      : blend((host.claimedDiskBytes + req.diskBytes) / (total * req.diskOvercommit), host.freeDiskBytes === undefined ? undefined : 1 - host.freeDiskBytes / total);
  return SCORE_WEIGHTS.cores * (1 - coresUsed) + SCORE_WEIGHTS.memory * (1 - memoryUsed) + SCORE_WEIGHTS.disk * (1 - diskUsed);
}
