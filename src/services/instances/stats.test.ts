import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DomainStats } from '../../hypervisor/types.js';
import { cpuPercent } from './stats.js';

const s = (cpuTimeNs: number, sampledAt: number, vcpus = 1): DomainStats => ({
  cpuTimeNs, vcpus, sampledAt, memoryMiB: 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0,
});

test('cpuPercent', () => {
  const cases: [DomainStats, DomainStats, number][] = [
    [s(0, 0), s(1e9, 1000), 100], // one full core for one second
    [s(0, 0), s(5e8, 1000), 50],
    [s(0, 0, 2), s(1e9, 1000, 2), 50], // one of two cores busy
    [s(0, 0), s(3e9, 1000), 100], // clamped
    [s(5e9, 0), s(1e9, 1000), 0], // counter reset (restart)
    [s(0, 1000), s(1e9, 1000), 0], // no time elapsed
  ];
  for (const [prev, next, expected] of cases) assert.equal(cpuPercent(prev, next), expected);
});
