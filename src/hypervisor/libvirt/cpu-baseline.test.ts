/** The pool CPU baseline against the system libvirtd: its own host CPU twice, and with a weaker CPU. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { skipUnlessPresent, systemLibvirtd } from '../../../test/require-system.js';
import { baselineCpu, cpuModelOf, hostCpu, hostCpuXml, hostModelCpuXml, parseCpuDefinition } from './cpu-baseline.js';
import { LibvirtConnection } from './connection.js';

describe('CPU baseline of a pool', { skip: skipUnlessPresent(systemLibvirtd()) }, () => {
  let connection: LibvirtConnection;
  before(async () => {
    connection = await LibvirtConnection.open();
  });
  after(async () => connection?.close());

  test('the host CPU is what QEMU offers a TCG guest, and a baseline names a model with features', async () => {
    const cpu = await hostCpu(connection, 'qemu');
    assert.match(cpu, /^<cpu[^>]*>[\s\S]*<model[^>]*>[^<]+<\/model>[\s\S]*<\/cpu>$/);
    const baseline = await baselineCpu(connection, [cpu, cpu], 'qemu');
    assert.match(baseline, /<cpu mode=['"]custom['"]/);
    const parsed = parseCpuDefinition(baseline);
    assert.equal(parsed.model, cpuModelOf(baseline));
    assert.ok(parsed.features.length > 0 && parsed.features.every((f) => f.policy === 'require' || f.policy === 'disable'));
  });

  test('with a host that lacks a feature, the baseline lacks it too', async () => {
    const cpu = await hostCpu(connection, 'qemu');
    const feature = /<feature policy='require' name='([^']+)'\/>/.exec(cpu)?.[1];
    assert.ok(feature, 'the host CPU requires features beyond its model');
    const weaker = cpu.replace(`<feature policy='require' name='${feature}'/>`, '');
    const required = (xml: string) => parseCpuDefinition(xml).features.filter((f) => f.policy === 'require').map((f) => f.name);
    assert.ok(required(await baselineCpu(connection, [cpu, cpu], 'qemu')).includes(feature), 'the host alone gets it');
    assert.ok(!required(await baselineCpu(connection, [cpu, weaker], 'qemu')).includes(feature));
  });

  test('capabilities without a host CPU are an error, not a guess', () => {
    assert.throws(() => hostCpuXml('<capabilities><host><uuid>x</uuid></host></capabilities>'), /no host CPU/);
    assert.equal(hostModelCpuXml("<domainCapabilities><cpu><mode name='host-model' supported='no'/></cpu></domainCapabilities>"), undefined);
  });
});
