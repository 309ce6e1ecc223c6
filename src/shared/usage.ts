/** Usage history and live samples as the API shows them (instances, hosts, pools, the zone). */
import { z } from 'zod';

/**
 * The metrics of one sample, in their units. For a host (and a pool or the zone, their sums),
 * `cpuPercent`, `memoryBytes` and the network rates are the host's own figures (its CPU time,
 * memory used = total − available, its NICs), `guestCpuPercent` and `guestMemoryBytes` its
 * guests' share, disk rates its guests' sum, `storage*` its storage locations summed. For an
 * instance the host-only metrics are 0; a `storage:` series has only the `storage*` ones.
 */
export const USAGE_METRICS = [
  'cpuPercent', 'memoryBytes', 'diskReadBps', 'diskWriteBps', 'diskReadIops', 'diskWriteIops', 'netRxBps', 'netTxBps',
  'memoryTotalBytes', 'storageUsedBytes', 'storageTotalBytes', 'guestCpuPercent', 'guestMemoryBytes',
] as const;

/** One metric's name. */
export type UsageMetric = (typeof USAGE_METRICS)[number];

/** Values of every metric at one instant (or averaged over one bucket). */
export type UsageValues = Record<UsageMetric, number>;

/** One point of a history: the bucket's start, the average and the maximum of its samples. */
export interface UsagePoint {
  /** Start of the bucket, ms since the epoch. */
  t: number;
  avg: UsageValues;
  max: UsageValues;
}

/** What `range` a history covers. */
export const USAGE_RANGES = ['hour', 'day', 'week', 'month'] as const;

/** One of the ranges. */
export type UsageRange = (typeof USAGE_RANGES)[number];

/** Query of `GET …/usage-history`. */
export const usageHistoryQuerySchema = z.object({ range: z.enum(USAGE_RANGES).default('hour') }).strict();

/** Answer of `GET …/usage-history`. */
export interface UsageHistory {
  series: string;
  range: UsageRange;
  /** Seconds between points. */
  stepSeconds: number;
  points: UsagePoint[];
  /** The storage locations (storage pools) of a host or of a compute pool's hosts, each with its own used/total history; only for hosts and pools. */
  locations?: { storagePoolId: string; name: string; series: string; points: UsagePoint[] }[];
}

/** One message of the live stream: the newest sample of one series. */
export interface UsageSample {
  series: string;
  t: number;
  values: UsageValues;
}

/** The series name of a target: `instance:<id>`, `host:<id>`, `pool:<id>` or `zone`. */
export const usageSeries = (kind: 'instance' | 'host' | 'pool' | 'zone', id?: string): string => (kind === 'zone' ? 'zone' : `${kind}:${id}`);

/** The series of one storage location (storage pool) of a host: `storage:<hostId>.<storagePoolId>`. */
export const storageSeries = (hostId: string, storagePoolId: string): string => `storage:${hostId}.${storagePoolId}`;

/** The series of one storage location as a compute pool's hosts see it together: `pool-storage:<poolId>.<storagePoolId>`. */
export const poolStorageSeries = (poolId: string, storagePoolId: string): string => `pool-storage:${poolId}.${storagePoolId}`;
