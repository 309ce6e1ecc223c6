/**
 * Chooses the accelerator for guests: hardware KVM or QEMU's software TCG.
 * `auto` picks KVM only when /dev/kvm opens, the CPU advertises vmx/svm, and the KVM module
 * is not PVM (a paravirtualised KVM on which stock bootloaders die with emulation failures).
 * The host is read through an injectable probe so the decision is testable.
 */
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

/** What the accelerator setting may say. */
export type AccelSetting = 'kvm' | 'tcg' | 'auto';

/** Facts about the host that decide whether KVM is usable. */
export interface AccelProbeResult {
  /** `/dev/kvm` opened read-write. */
  kvmOpens: boolean;
  /** Why `/dev/kvm` did not open (e.g. "ENOENT"), when known. */
  kvmError?: string;
  /** CPU feature flags of the first processor in /proc/cpuinfo. */
  cpuFlags: string[];
  /** The PVM flavour of KVM is loaded (`/sys/module/kvm_pvm` exists). */
  pvm: boolean;
}

/** Reads the host facts; injected so tests can use fakes. */
export type AccelProbe = () => AccelProbeResult;

/** The chosen accelerator and a sentence saying why (shown by `doctor`). */
export interface AccelDecision {
  accel: 'kvm' | 'tcg';
  reason: string;
}

/** KVM was demanded (`kvm`) but this host cannot provide it. */
export class AccelUnavailableError extends Error {
  override name = 'AccelUnavailableError';
}

function tryOpenKvm(): Pick<AccelProbeResult, 'kvmOpens' | 'kvmError'> {
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
    return { kvmOpens: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { kvmOpens: false, kvmError: code ?? String(err) };
  }
}

function readCpuFlags(): string[] {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => /^flags\s*:/.test(l));
    return line === undefined ? [] : line.slice(line.indexOf(':') + 1).trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** Probes the real host: opens /dev/kvm, reads /proc/cpuinfo flags, looks for /sys/module/kvm_pvm. */
export function realProbe(): AccelProbeResult {
  return { ...tryOpenKvm(), cpuFlags: readCpuFlags(), pvm: existsSync('/sys/module/kvm_pvm') };
}

/** Lists every reason KVM cannot be used on the probed host; empty when it can. */
export function kvmProblems(probe: AccelProbeResult): string[] {
  const problems: string[] = [];
  if (!probe.kvmOpens) {
    const why = probe.kvmError ? ` (${probe.kvmError})` : '';
    problems.push(`/dev/kvm cannot be opened read-write${why}`);
  }
  if (!probe.cpuFlags.includes('vmx') && !probe.cpuFlags.includes('svm')) {
    problems.push('the CPU flags in /proc/cpuinfo show neither vmx nor svm (no hardware virtualisation)');
  }
  if (probe.pvm) {
    problems.push('/sys/module/kvm_pvm exists: this KVM is PVM, on which stock bootloaders fail with emulation errors');
  }
  return problems;
}

/** Decides kvm or tcg from the setting; throws AccelUnavailableError when `kvm` is forced but unusable. */
export function detectAccel(setting: AccelSetting, probe: AccelProbe = realProbe): AccelDecision {
  if (setting === 'tcg') return { accel: 'tcg', reason: 'TCG (software emulation) is selected by configuration.' };
  const problems = kvmProblems(probe());
  if (problems.length === 0) {
    const how = setting === 'kvm' ? 'is selected by configuration and' : 'was detected:';
    const checks = '/dev/kvm opens, the CPU has hardware virtualisation and it is not PVM';
    return { accel: 'kvm', reason: `KVM ${how} ${checks}.` };
  }
  const list = problems.join('; ');
  if (setting === 'kvm') {
    throw new AccelUnavailableError(
      `KVM is configured but not usable on this host: ${list}. Set the accelerator to 'auto' or 'tcg'.`,
    );
  }
  return { accel: 'tcg', reason: `KVM is not usable, so guests run under TCG (software emulation, slower): ${list}.` };
}
