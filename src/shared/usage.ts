/** Usage history and live samples as the API shows them (instances, hosts, pools, the zone). */
import { z } from 'zod';

/** The metrics of one sample, in their units. */
export const USAGE_METRICS = ['cpuPercent', 'memoryBytes', 'diskReadBps', 'diskWriteBps', 'diskReadIops', 'diskWriteIops', 'netRxBps', 'netTxBps'] as const;

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
}

/** One message of the live stream: the newest sample of one series. */
export interface UsageSample {
  series: string;
  t: number;
  values: UsageValues;
}

/** The series name of a target: `instance:<id>`, `host:<id>`, `pool:<id>` or `zone`. */
export const usageSeries = (kind: 'instance' | 'host' | 'pool' | 'zone', id?: string): string => (kind === 'zone' ? 'zone' : `${kind}:${id}`);
