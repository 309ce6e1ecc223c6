/**
 * Pure translation of libvirt's domain statistics (DOMAIN_GET_INFO plus the typed parameters
 * of one CONNECT_GET_ALL_DOMAIN_STATS record) into onebox's DomainStats.
 */
import type { DomainStats } from '../types.js';
import type { RemoteDomainGetInfoRet, RemoteTypedParam } from './protocol.generated.js';

/** virDomainStatsTypes bits onebox asks for: state, cpu-total, balloon, vcpu, interface, block. */
export const DOMAIN_STATS_TYPES = 1 | 2 | 4 | 8 | 16 | 32;

/** virDomainState values of a domain that has a live QEMU process (running, blocked, paused, shutting down, pmsuspended). */
const ACTIVE_STATES = new Set([1, 2, 3, 4, 7]);

/** Whether a DOMAIN_GET_INFO state number means the domain is live. */
export function isActiveState(state: number): boolean {
  return ACTIVE_STATES.has(state);
}

/** The numeric value of a typed parameter, or undefined for strings. */
export function typedParamNumber(p: RemoteTypedParam): number | undefined {
  const v = p.value;
  switch (v.type) {
    case 1:
      return v.i;
    case 2:
      return v.ui;
    case 3:
      return Number(v.l);
    case 4:
      return Number(v.ul);
    case 5:
      return v.d;
    case 6:
      return v.b;
    default:
      return undefined;
  }
}

/** Typed parameters → field name → number (string parameters left out). */
export function typedParamMap(params: readonly RemoteTypedParam[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of params) {
    const n = typedParamNumber(p);
    if (n !== undefined) out.set(p.field, n);
  }
  return out;
}

/** Sums `<prefix>.<i>.<suffix>` over i < `<prefix>.count`, e.g. block.0.rd.bytes + block.1.rd.bytes. */
function sumIndexed(m: Map<string, number>, prefix: string, suffix: string): number {
  const count = m.get(`${prefix}.count`) ?? 0;
  let total = 0;
  for (let i = 0; i < count; i++) total += m.get(`${prefix}.${i}.${suffix}`) ?? 0;
  return total;
}

/** DomainStats from GET_INFO and, for a live domain, its statistics record (undefined when not live or unavailable). */
export function domainStatsOf(info: RemoteDomainGetInfoRet, params: readonly RemoteTypedParam[] | undefined, sampledAt: number): DomainStats {
  const configuredMiB = Math.floor(Number(info.memory > 0n ? info.memory : info.maxMem) / 1024);
  const live = isActiveState(info.state);
  if (!live) {
    return { cpuTimeNs: 0, vcpus: info.nrVirtCpu, memoryMiB: configuredMiB, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0, sampledAt };
  }
  const m = typedParamMap(params ?? []);
  const balloonKiB = m.get('balloon.current');
  return {
    cpuTimeNs: m.get('cpu.time') ?? Number(info.cpuTime),
    vcpus: m.get('vcpu.current') ?? info.nrVirtCpu,
    memoryMiB: balloonKiB !== undefined && balloonKiB > 0 ? Math.floor(balloonKiB / 1024) : configuredMiB,
    diskReadBytes: sumIndexed(m, 'block', 'rd.bytes'),
    diskWriteBytes: sumIndexed(m, 'block', 'wr.bytes'),
    netRxBytes: sumIndexed(m, 'net', 'rx.bytes'),
    netTxBytes: sumIndexed(m, 'net', 'tx.bytes'),
    sampledAt,
  };
}
