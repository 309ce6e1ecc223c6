/**
 * A pool's CPU model: the baseline of its hosts' CPUs, so a guest started with it runs on every
 * host of the pool and may live-migrate between them. Each host offers the CPU its hypervisor can
 * give a guest under its accelerator (the host-model of its domain capabilities: under TCG that is
 * what QEMU emulates, not the silicon); one daemon computes the baseline of all of them
 * (virConnectBaselineHypervisorCPU, which also checks what its QEMU can run).
 */
import { HypervisorError } from '../errors.js';
import type { CpuDefinition, CpuFeature } from '../types.js';
import type { LibvirtConnection } from './connection.js';

/** virConnectBaselineCPUFlags: list the features the model implies too (a complete, comparable definition). */
const VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES = 1;
/** …and leave out features the hosts' QEMU could not give a guest. */
const VIR_CONNECT_BASELINE_CPU_MIGRATABLE = 2;

/** libvirt's virttype for an accelerator. */
export type VirtType = 'kvm' | 'qemu';

/** The `<cpu>…</cpu>` of the `<host>` element of a capabilities document. */
export function hostCpuXml(capabilities: string): string {
  const host = /<host>([\s\S]*?)<\/host>/.exec(capabilities)?.[1] ?? '';
  const cpu = /<cpu>[\s\S]*?<\/cpu>/.exec(host)?.[0];
  if (!cpu) throw new HypervisorError('the hypervisor\'s capabilities name no host CPU');
  return cpu;
}

/** The host-model CPU of a domain capabilities document as a `<cpu>` a baseline takes; undefined when the hypervisor offers none. */
export function hostModelCpuXml(domainCapabilities: string): string | undefined {
  const mode = /<mode name='host-model' supported='yes'>([\s\S]*?)<\/mode>/.exec(domainCapabilities)?.[1];
  if (!mode || !/<model[^>]*>[^<]+<\/model>/.test(mode)) return undefined;
  return `<cpu mode='custom' match='exact'>${mode}</cpu>`;
}

/** The model name of a baseline `<cpu>` (its `<model>` element). */
export function cpuModelOf(cpuXml: string): string {
  const model = /<model[^>]*>([^<]+)<\/model>/.exec(cpuXml)?.[1]?.trim();
  if (!model) throw new HypervisorError('the baseline CPU has no model');
  return model;
}

/** A baseline `<cpu>` as plain data: model, vendor and each feature with its policy. */
export function parseCpuDefinition(cpuXml: string): CpuDefinition {
  const vendor = /<vendor>([^<]+)<\/vendor>/.exec(cpuXml)?.[1]?.trim();
  const features: CpuFeature[] = [];
  for (const m of cpuXml.matchAll(/<feature\s+([^>]*?)\/>/g)) {
    const attr = (name: string) => new RegExp(`${name}=['"]([^'"]+)['"]`).exec(m[1] ?? '')?.[1];
    const name = attr('name');
    const policy = attr('policy') ?? 'require';
    if (!name) continue;
    if (policy !== 'require' && policy !== 'disable') throw new HypervisorError(`the baseline CPU has feature '${name}' with policy '${policy}'`);
    features.push({ name, policy });
  }
  return { model: cpuModelOf(cpuXml), ...(vendor ? { vendor } : {}), features };
}

/**
 * The CPU this daemon's hypervisor can give a guest under `virttype`, for a baseline computed
 * elsewhere: the host-model of its domain capabilities; the host's own CPU from its capabilities
 * when it has none (libvirt's test driver, a hypervisor without host-model).
 */
export async function hostCpu(connection: LibvirtConnection, virttype: VirtType): Promise<string> {
  const domainCaps = await connection
    .call('CONNECT_GET_DOMAIN_CAPABILITIES', { emulatorbin: null, arch: 'x86_64', machine: null, virttype, flags: 0 })
    .then((r) => r.capabilities, () => undefined);
  const hostModel = domainCaps === undefined ? undefined : hostModelCpuXml(domainCaps);
  return hostModel ?? hostCpuXml((await connection.call('CONNECT_GET_CAPABILITIES')).capabilities);
}

/** The baseline `<cpu mode='custom'>` of the given host CPUs as `connection`'s daemon computes it for `virttype` (kvm, or qemu under TCG). */
export async function baselineCpu(connection: LibvirtConnection, hostCpus: string[], virttype: VirtType): Promise<string> {
  const { cpu } = await connection.call('CONNECT_BASELINE_HYPERVISOR_CPU', {
    emulator: null,
    arch: 'x86_64',
    machine: null,
    virttype,
    xmlCPUs: hostCpus,
    flags: VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES | VIR_CONNECT_BASELINE_CPU_MIGRATABLE,
  });
  return cpu;
}
