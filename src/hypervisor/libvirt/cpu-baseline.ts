/**
 * A pool's CPU model: the baseline of its hosts' CPUs, so a guest started with it runs on every
 * host of the pool and may live-migrate between them. Each host's CPU comes from its daemon's
 * capabilities (the `<cpu>` of `<host>`); one daemon computes the baseline of all of them
 * (virConnectBaselineHypervisorCPU, which also checks what its QEMU can run).
 */
import { HypervisorError } from '../errors.js';
import type { LibvirtConnection } from './connection.js';

/** virConnectBaselineCPUFlags: list the features the model implies too (a complete, comparable definition). */
const VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES = 1;
/** …and leave out features the hosts' QEMU could not give a guest. */
const VIR_CONNECT_BASELINE_CPU_MIGRATABLE = 2;

/** The `<cpu>…</cpu>` of the `<host>` element of a capabilities document. */
export function hostCpuXml(capabilities: string): string {
  const host = /<host>([\s\S]*?)<\/host>/.exec(capabilities)?.[1] ?? '';
  const cpu = /<cpu>[\s\S]*?<\/cpu>/.exec(host)?.[0];
  if (!cpu) throw new HypervisorError('the hypervisor\'s capabilities name no host CPU');
  return cpu;
}

/** The model name of a baseline `<cpu>` (its `<model>` element). */
export function cpuModelOf(cpuXml: string): string {
  const model = /<model[^>]*>([^<]+)<\/model>/.exec(cpuXml)?.[1]?.trim();
  if (!model) throw new HypervisorError('the baseline CPU has no model');
  return model;
}

/** This daemon's host CPU, for a baseline computed elsewhere. */
export async function hostCpu(connection: LibvirtConnection): Promise<string> {
  return hostCpuXml((await connection.call('CONNECT_GET_CAPABILITIES')).capabilities);
}

/** The baseline `<cpu mode='custom'>` of the given host CPUs as `connection`'s daemon computes it for `virttype` (kvm, or qemu under TCG). */
export async function baselineCpu(connection: LibvirtConnection, hostCpus: string[], virttype: 'kvm' | 'qemu'): Promise<string> {
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
