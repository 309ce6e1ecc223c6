/** Quality of service per instance: CPU priority, disk and network limits (request schema and type). */
import * as z from 'zod';

/** CPU priorities and the cputune shares each maps to (libvirt's default weight is 1024). */
export const CPU_SHARES = { high: 2048, medium: 1024, low: 512 } as const;

/** A CPU priority. */
export type CpuPriority = keyof typeof CPU_SHARES;

const limit = (what: string, unit: string, max: number) =>
  z.number().int(`${what} must be a whole number of ${unit}.`).min(1, `${what} must be at least 1 ${unit}; leave it out for no limit.`).max(max, `${what} must be at most ${max} ${unit}.`);

/** QoS of an instance; a limit left out means none. */
export const qosSchema = z
  .object({
    cpuPriority: z.enum(['high', 'medium', 'low']).default('medium'),
    diskReadBytesSec: limit('The disk read limit', 'bytes/s', 2 ** 40).optional(),
    diskWriteBytesSec: limit('The disk write limit', 'bytes/s', 2 ** 40).optional(),
    diskReadIops: limit('The disk read IOPS limit', 'IOPS', 10_000_000).optional(),
    diskWriteIops: limit('The disk write IOPS limit', 'IOPS', 10_000_000).optional(),
    netInKbps: limit('The inbound network limit', 'KiB/s', 100_000_000).optional(),
    netOutKbps: limit('The outbound network limit', 'KiB/s', 100_000_000).optional(),
  })
  .strict();

/** QoS as stored and shown. */
export type InstanceQos = z.infer<typeof qosSchema>;

/** No limits, medium priority. */
export const DEFAULT_QOS: InstanceQos = { cpuPriority: 'medium' };
