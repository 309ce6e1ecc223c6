/** Reads a domain's vCPUs and memory (current and maximum) out of libvirt's domain XML. Pure. */
import { HypervisorError } from '../errors.js';
import type { DomainResourceState } from '../types.js';

const UNIT_KIB: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, m: 1024, mib: 1024, g: 1024 ** 2, gib: 1024 ** 2 };

function memoryMiB(xml: string, tag: string): number | undefined {
  const m = new RegExp(`<${tag}(?:\\s+unit=['"](\\w+)['"])?[^>]*>(\\d+)</${tag}>`).exec(xml);
  if (!m) return undefined;
  const perKiB = UNIT_KIB[(m[1] ?? 'KiB').toLowerCase()];
  if (perKiB === undefined) throw new HypervisorError(`the domain XML gives <${tag}> in the unknown unit '${m[1]}'`);
  return Math.floor((Number(m[2]) * perKiB) / 1024);
}

/** vCPUs (`<vcpu current=…>max</vcpu>`) and memory (`<currentMemory>`, `<memory>`) of a domain XML. */
export function resourcesOfXml(xml: string): DomainResourceState {
  const vcpu = /<vcpu\b([^>]*)>(\d+)<\/vcpu>/.exec(xml);
  const maxMemory = memoryMiB(xml, 'memory');
  if (!vcpu || maxMemory === undefined) throw new HypervisorError('the domain XML has no <vcpu> or <memory> element');
  const maxVcpus = Number(vcpu[2]);
  const current = /\bcurrent=['"](\d+)['"]/.exec(vcpu[1]);
  return { vcpus: current ? Number(current[1]) : maxVcpus, maxVcpus, memoryMiB: memoryMiB(xml, 'currentMemory') ?? maxMemory, maxMemoryMiB: maxMemory };
}
