/**
 * Pure translation of libvirt's domain statistics (DOMAIN_GET_INFO plus the typed parameters
 * of one CONNECT_GET_ALL_DOMAIN_STATS record) into onebox's DomainStats.
 */
import type { DomainStats, DomainStatsRecord } from '../types.js';
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

/** virConnectGetAllDomainStats flag: only domains with a live QEMU process. */
export const VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE = 1;

/** Memory the guest uses, in MiB: balloon available − unused when the guest reports them, else the QEMU process's RSS. */
function memoryUsedMiB(m: Map<string, number>): number | undefined {
  const available = m.get('balloon.available');
  const unused = m.get('balloon.unused');
  if (available !== undefined && unused !== undefined && available >= unused) return Math.floor((available - unused) / 1024);
  const rss = m.get('balloon.rss');
  return rss !== undefined ? Math.floor(rss / 1024) : undefined;
}

/** One record of a bulk CONNECT_GET_ALL_DOMAIN_STATS answer (a live domain) as a DomainStatsRecord. Pure. */
export function domainStatsRecordOf(name: string, params: readonly RemoteTypedParam[], sampledAt: number): DomainStatsRecord {
  const m = typedParamMap(params);
  const balloonKiB = m.get('balloon.current') ?? m.get('balloon.maximum') ?? 0;
  return {
    name,
    cpuTimeNs: m.get('cpu.time') ?? 0,
    vcpus: m.get('vcpu.current') ?? 0,
    memoryMiB: Math.floor(balloonKiB / 1024),
    memoryUsedMiB: memoryUsedMiB(m),
    diskReadBytes: sumIndexed(m, 'block', 'rd.bytes'),
    diskWriteBytes: sumIndexed(m, 'block', 'wr.bytes'),
    diskReadOps: sumIndexed(m, 'block', 'rd.reqs'),
    diskWriteOps: sumIndexed(m, 'block', 'wr.reqs'),
    netRxBytes: sumIndexed(m, 'net', 'rx.bytes'),
    netTxBytes: sumIndexed(m, 'net', 'tx.bytes'),
    sampledAt,
  };
}
