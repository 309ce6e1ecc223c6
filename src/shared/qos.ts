/** Quality of service per instance: CPU priority, disk and network limits (request schema and type). */
import * as z from 'zod';

/** CPU priorities and the cputune shares each maps to (libvirt's default weight is 1024). */
export const CPU_SHARES = { high: 2048, medium: 1024, low: 512 } as const;

/** A CPU priority. */
export type CpuPriority = keyof typeof CPU_SHARES;

/** A limit of the QoS: how sentences name it, its unit and its largest value. */
export interface QosLimit {
  what: string;
  unit: string;
  max: number;
}

/** The QoS limits, by field. */
export const QOS_LIMITS = {
  diskReadBytesSec: { what: 'The disk read limit', unit: 'bytes/s', max: 2 ** 40 },
  diskWriteBytesSec: { what: 'The disk write limit', unit: 'bytes/s', max: 2 ** 40 },
  diskReadIops: { what: 'The disk read IOPS limit', unit: 'IOPS', max: 10_000_000 },
  diskWriteIops: { what: 'The disk write IOPS limit', unit: 'IOPS', max: 10_000_000 },
  netInKbps: { what: 'The inbound network limit', unit: 'KiB/s', max: 100_000_000 },
  netOutKbps: { what: 'The outbound network limit', unit: 'KiB/s', max: 100_000_000 },
} as const satisfies Record<string, QosLimit>;

/** The sentences a limit's check says (the UI's catalogues translate each, built the same way). */
export const qosLimitSentences = ({ what, unit, max }: QosLimit) => ({
  whole: `${what} must be a whole number of ${unit}.`,
  min: `${what} must be at least 1 ${unit}; leave it out for no limit.`,
  max: `${what} must be at most ${max} ${unit}.`,
});

const limit = (l: QosLimit) => {
  const say = qosLimitSentences(l);
  return z.number(say.whole).int(say.whole).min(1, say.min).max(l.max, say.max);
};

/** QoS of an instance; a limit left out means none. */
export const qosSchema = z
  .object({
    cpuPriority: z.enum(['high', 'medium', 'low'], 'The CPU priority must be high, medium or low.').default('medium'),
    diskReadBytesSec: limit(QOS_LIMITS.diskReadBytesSec).optional(),
    diskWriteBytesSec: limit(QOS_LIMITS.diskWriteBytesSec).optional(),
    diskReadIops: limit(QOS_LIMITS.diskReadIops).optional(),
    diskWriteIops: limit(QOS_LIMITS.diskWriteIops).optional(),
    netInKbps: limit(QOS_LIMITS.netInKbps).optional(),
    netOutKbps: limit(QOS_LIMITS.netOutKbps).optional(),
  })
  .strict();

/** QoS as stored and shown. */
export type InstanceQos = z.infer<typeof qosSchema>;

/** No limits, medium priority. */
export const DEFAULT_QOS: InstanceQos = { cpuPriority: 'medium' };
