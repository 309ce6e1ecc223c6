/** The pool CPU baseline against the system libvirtd: its own host CPU twice, and with a weaker CPU. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { skipUnlessPresent, systemLibvirtd } from '../../../test/require-system.js';
import { baselineCpu, cpuModelOf, hostCpu, hostCpuXml } from './cpu-baseline.js';
import { LibvirtConnection } from './connection.js';

describe('CPU baseline of a pool', { skip: skipUnlessPresent(systemLibvirtd()) }, () => {
  let connection: LibvirtConnection;
  before(async () => {
    connection = await LibvirtConnection.open();
  });
  after(async () => connection?.close());

  test('the host CPU comes from the capabilities, and a baseline names a model with features', async () => {
    const cpu = await hostCpu(connection);
    assert.match(cpu, /^<cpu>[\s\S]*<model[^>]*>[^<]+<\/model>[\s\S]*<\/cpu>$/);
    const baseline = await baselineCpu(connection, [cpu, cpu], 'qemu');
    assert.match(baseline, /<cpu mode=['"]custom['"]/);
    assert.ok(cpuModelOf(baseline).length > 0);
  });

  test('with a host that lacks a feature, the baseline lacks it too', async () => {
    const cpu = await hostCpu(connection);
    const feature = /<feature name='([^']+)'\/>/.exec(cpu)?.[1];
    assert.ok(feature, 'the host CPU lists features');
    const weaker = cpu.replace(`<feature name='${feature}'/>`, '');
    assert.match(await baselineCpu(connection, [cpu, cpu], 'qemu'), new RegExp(`<feature policy='require' name='${feature}'/>`), 'the host alone gets it');
    const both = await baselineCpu(connection, [cpu, weaker], 'qemu');
    assert.doesNotMatch(both, new RegExp(`<feature policy='require' name='${feature}'/>`));
  });

  test('capabilities without a host CPU are an error, not a guess', () => {
    assert.throws(() => hostCpuXml('<capabilities><host><uuid>x</uuid></host></capabilities>'), /no host CPU/);
  });
});
