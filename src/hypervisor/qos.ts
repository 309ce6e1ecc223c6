/** Domain QoS values in one canonical form, so what was set compares equal to what is read back. Pure. */
import type { DomainQos } from './types.js';

/** libvirt's default CPU weight: the same as no setting. */
export const DEFAULT_CPU_SHARES = 1024;

/** Drops fields left undefined or 0 (no limit); an empty group goes too. */
function compact<T extends object>(o: T | undefined): T | undefined {
  if (!o) return undefined;
  const kept = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== 0)) as T;
  return Object.keys(kept).length ? kept : undefined;
}

/** The canonical form: no undefined fields, no empty groups, the default weight as none. */
export function normalizeQos(qos: DomainQos | undefined): DomainQos {
  const shares = qos?.cpuShares === DEFAULT_CPU_SHARES ? undefined : qos?.cpuShares;
  return compact({ cpuShares: shares, disk: compact(qos?.disk), net: compact(qos?.net) }) ?? {};
}
