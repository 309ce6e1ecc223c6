/** domainStatsOf: typed parameters of all kinds, summed block and net counters, stopped domains. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { domainStatsOf, domainStatsRecordOf, typedParamNumber } from './domain-stats.js';
import type { RemoteDomainGetInfoRet, RemoteTypedParam } from './protocol.generated.js';

const info = (state: number): RemoteDomainGetInfoRet => ({ state, maxMem: 131072n, memory: 65536n, nrVirtCpu: 2, cpuTime: 5n });
const ul = (field: string, v: number): RemoteTypedParam => ({ field, value: { type: 4, ul: BigInt(v) } });

test('typed parameter values of every numeric kind; strings are not numbers', () => {
  const cases: [RemoteTypedParam['value'], number | undefined][] = [
    [{ type: 1, i: -3 }, -3],
    [{ type: 2, ui: 7 }, 7],
    [{ type: 3, l: -9n }, -9],
    [{ type: 4, ul: 10n }, 10],
    [{ type: 5, d: 1.5 }, 1.5],
    [{ type: 6, b: 1 }, 1],
    [{ type: 7, s: 'vda' }, undefined],
  ];
  for (const [value, want] of cases) assert.equal(typedParamNumber({ field: 'x', value }), want);
});

test('a running domain sums its disks and interfaces and uses the balloon', () => {
  const params = [
    ul('cpu.time', 123),
    { field: 'vcpu.current', value: { type: 2 as const, ui: 2 } },
    ul('balloon.current', 98304),
    { field: 'block.count', value: { type: 2 as const, ui: 2 } },
    { field: 'block.0.name', value: { type: 7 as const, s: 'vda' } },
    ul('block.0.rd.bytes', 100),
    ul('block.0.wr.bytes', 10),
    ul('block.1.rd.bytes', 1),
    { field: 'net.count', value: { type: 2 as const, ui: 1 } },
    ul('net.0.rx.bytes', 7),
    ul('net.0.tx.bytes', 3),
  ];
  assert.deepEqual(domainStatsOf(info(1), params, 42), {
    cpuTimeNs: 123, vcpus: 2, memoryMiB: 96, diskReadBytes: 101, diskWriteBytes: 10, netRxBytes: 7, netTxBytes: 3, sampledAt: 42,
  });
});

test('a running domain without a stats record falls back to GET_INFO', () => {
  assert.deepEqual(domainStatsOf(info(3), undefined, 1), { cpuTimeNs: 5, vcpus: 2, memoryMiB: 64, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0, sampledAt: 1 });
});

test('a stopped domain has zero counters whatever the record says', () => {
  assert.deepEqual(domainStatsOf(info(5), [ul('cpu.time', 9)], 1), { cpuTimeNs: 0, vcpus: 2, memoryMiB: 64, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0, sampledAt: 1 });
});

test('a bulk record: IOPS summed over disks, memory used from the balloon (available − unused), else RSS', () => {
  const base = [
    ul('cpu.time', 7),
    { field: 'vcpu.current', value: { type: 2 as const, ui: 1 } },
    ul('balloon.current', 262144),
    { field: 'block.count', value: { type: 2 as const, ui: 2 } },
    ul('block.0.rd.reqs', 3),
    ul('block.1.rd.reqs', 4),
    ul('block.0.wr.reqs', 5),
  ];
  const r = domainStatsRecordOf('d1', [...base, ul('balloon.available', 200 * 1024), ul('balloon.unused', 50 * 1024), ul('balloon.rss', 999 * 1024)], 1);
  assert.deepEqual({ name: r.name, vcpus: r.vcpus, memoryMiB: r.memoryMiB, used: r.memoryUsedMiB, rd: r.diskReadOps, wr: r.diskWriteOps }, { name: 'd1', vcpus: 1, memoryMiB: 256, used: 150, rd: 7, wr: 5 });
  assert.equal(domainStatsRecordOf('d1', [...base, ul('balloon.rss', 80 * 1024)], 1).memoryUsedMiB, 80);
  assert.equal(domainStatsRecordOf('d1', base, 1).memoryUsedMiB, undefined);
});
