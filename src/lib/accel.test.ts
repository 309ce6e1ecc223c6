/** Table-driven tests for detectAccel with fake probes, plus one check against this host. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccelUnavailableError, detectAccel, realProbe, type AccelProbeResult, type AccelSetting } from './accel.js';

const GOOD: AccelProbeResult = { kvmOpens: true, cpuFlags: ['fpu', 'vmx', 'sse2'], pvm: false };

interface Case {
  label: string;
  setting: AccelSetting;
  probe: AccelProbeResult;
  /** Expected accelerator, or 'throws' for forced KVM on a host without it. */
  expect: 'kvm' | 'tcg' | 'throws';
  /** Every pattern must appear in the reason (or the error message). */
  mentions: RegExp[];
}

const CASES: Case[] = [
  { label: 'auto, all good (vmx)', setting: 'auto', probe: GOOD, expect: 'kvm', mentions: [/detected/] },
  { label: 'auto, all good (svm)', setting: 'auto', probe: { ...GOOD, cpuFlags: ['svm'] }, expect: 'kvm', mentions: [/KVM/] },
  {
    label: 'auto, /dev/kvm missing',
    setting: 'auto',
    probe: { ...GOOD, kvmOpens: false, kvmError: 'ENOENT' },
    expect: 'tcg',
    mentions: [/\/dev\/kvm cannot be opened/, /ENOENT/],
  },
  {
    label: 'auto, no vmx/svm',
    setting: 'auto',
    probe: { ...GOOD, cpuFlags: ['fpu', 'sse2'] },
    expect: 'tcg',
    mentions: [/neither vmx nor svm/],
  },
  { label: 'auto, PVM', setting: 'auto', probe: { ...GOOD, pvm: true }, expect: 'tcg', mentions: [/kvm_pvm/] },
  {
    label: 'auto, PVM host like this one (opens, no flags, pvm)',
    setting: 'auto',
    probe: { kvmOpens: true, cpuFlags: ['fpu', 'hypervisor'], pvm: true },
    expect: 'tcg',
    mentions: [/neither vmx nor svm/, /kvm_pvm/, /TCG/],
  },
  {
    label: 'auto, vmx only as a substring',
    setting: 'auto',
    probe: { ...GOOD, cpuFlags: ['vmx_flexpriority'] },
    expect: 'tcg',
    mentions: [/neither vmx nor svm/],
  },
  { label: 'kvm forced, available', setting: 'kvm', probe: GOOD, expect: 'kvm', mentions: [/configuration/] },
  {
    label: 'kvm forced, PVM',
    setting: 'kvm',
    probe: { ...GOOD, pvm: true },
    expect: 'throws',
    mentions: [/kvm_pvm/, /'auto' or 'tcg'/],
  },
  {
    label: 'kvm forced, nothing',
    setting: 'kvm',
    probe: { kvmOpens: false, cpuFlags: [], pvm: false },
    expect: 'throws',
    mentions: [/\/dev\/kvm/, /vmx/],
  },
  { label: 'tcg forced on a KVM host', setting: 'tcg', probe: GOOD, expect: 'tcg', mentions: [/configuration/] },
];

describe('detectAccel', () => {
  for (const c of CASES) {
    it(c.label, () => {
      const probe = (): AccelProbeResult => c.probe;
      if (c.expect === 'throws') {
        assert.throws(() => detectAccel(c.setting, probe), (err: unknown) => {
          assert.ok(err instanceof AccelUnavailableError);
          for (const m of c.mentions) assert.match(err.message, m);
          return true;
        });
        return;
      }
      const decision = detectAccel(c.setting, probe);
      assert.equal(decision.accel, c.expect);
      for (const m of c.mentions) assert.match(decision.reason, m);
    });
  }

  it('does not probe the host when tcg is forced', () => {
    const decision = detectAccel('tcg', () => assert.fail('probe must not run'));
    assert.equal(decision.accel, 'tcg');
  });

  // ENVIRONMENT.md: /dev/kvm here is PVM without vmx/svm, so auto must fall back to TCG.
  it('auto picks tcg on this machine (real probe)', () => {
    const probe = realProbe();
    const decision = detectAccel('auto');
    assert.equal(decision.accel, 'tcg', `probe: ${JSON.stringify({ ...probe, cpuFlags: probe.cpuFlags.length })}`);
    assert.ok(decision.reason.length > 0);
  });
});
