import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HypervisorError } from '../../hypervisor/errors.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json } from './fixtures.js';

describe('QoS per instance: at create, and PATCH live or in the definition', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  const patch = (id: string, body: unknown) => api.call('PATCH', `/api/v1/instances/${id}`, { json: body });

  test('create with QoS: stored, shown, and in the domain definition', async () => {
    const qos = { cpuPriority: 'high', diskWriteBytesSec: 2097152, diskReadIops: 400, netInKbps: 1000, netOutKbps: 500 };
    const { instance, operation } = await createInstance(api, instanceBody('q1', { qos, start: true }));
    assert.equal(operation.state, 'succeeded');
    const shown = await json(await api.call('GET', `/api/v1/instances/${instance.id}`));
    assert.deepEqual(shown.qos, qos);
    assert.deepEqual(api.hypervisor.specOf(shown.domainName)?.qos, { cpuShares: 2048, disk: { writeBytesSec: 2097152, readIops: 400 }, net: { inKiBps: 1000, outKiBps: 500 } });
    // The test host has no network, so the domain has no NIC to hold the network limits.
    assert.deepEqual(await api.hypervisor.domainQos(shown.domainName, 'live'), { cpuShares: 2048, disk: { writeBytesSec: 2097152, readIops: 400 } });
    assert.deepEqual((await json(await api.call('GET', `/api/v1/instances/${(await createInstance(api, instanceBody('q0'))).instance.id}`))).qos, { cpuPriority: 'medium' }, 'default: medium, no limits');
  });

  test('PATCH on a running instance changes the running domain and its definition; lifting works', async () => {
    const shown = await json(await api.call('GET', '/api/v1/instances/q1'));
    const res = await patch(shown.id, { qos: { cpuPriority: 'low', diskWriteBytesSec: 1048576 } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual((await json(res)).qos, { cpuPriority: 'low', diskWriteBytesSec: 1048576 });
    const expected = { cpuShares: 512, disk: { writeBytesSec: 1048576 } };
    assert.deepEqual(await api.hypervisor.domainQos(shown.domainName, 'live'), expected);
    assert.deepEqual(await api.hypervisor.domainQos(shown.domainName, 'config'), expected);
    await patch(shown.id, { qos: { cpuPriority: 'medium' } });
    assert.deepEqual(await api.hypervisor.domainQos(shown.domainName, 'live'), {});
    const audit = await json(await api.call('GET', '/api/v1/audit'));
    assert.ok(audit.items.some((e: { detail: string }) => /^qos: /.test(e.detail)), 'the change is audited');
  });

  test('PATCH on a stopped instance changes the definition only; a refused live change changes nothing', async () => {
    const q0 = await json(await api.call('GET', '/api/v1/instances/q0'));
    assert.equal((await patch(q0.id, { qos: { cpuPriority: 'high', netOutKbps: 100 } })).status, 200);
    assert.deepEqual(api.hypervisor.specOf(q0.domainName)?.qos, { cpuShares: 2048, net: { outKiBps: 100 } });
    const q1 = await json(await api.call('GET', '/api/v1/instances/q1'));
    api.hypervisor.failNext('setQos', new HypervisorError('refused by the test'));
    const res = await patch(q1.id, { qos: { cpuPriority: 'high' } });
    assert.equal(res.status, 502);
    assert.equal((await json(res)).code, 'hypervisor_error');
    assert.deepEqual(await api.hypervisor.domainQos(q1.domainName, 'live'), {});
    assert.deepEqual((await json(await api.call('GET', '/api/v1/instances/q1'))).qos, { cpuPriority: 'medium' }, 'the stored QoS is unchanged');
  });

  test('bad values are 400 with field errors', async () => {
    const q0 = await json(await api.call('GET', '/api/v1/instances/q0'));
    const cases: [unknown, string][] = [
      [{ qos: { cpuPriority: 'urgent' } }, 'qos.cpuPriority'],
      [{ qos: { diskWriteBytesSec: 0 } }, 'qos.diskWriteBytesSec'],
      [{ qos: { diskReadIops: 1.5 } }, 'qos.diskReadIops'],
      [{ qos: { netInKbps: -1 } }, 'qos.netInKbps'],
      [{ qos: { netOutKbps: 'fast' } }, 'qos.netOutKbps'],
      [{ qos: { burst: 1 } }, 'qos'],
    ];
    for (const [body, field] of cases) {
      const res = await patch(q0.id, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const problem = await json(res);
      assert.equal(problem.code, 'validation_failed');
      assert.ok(problem.errors.some((e: { field: string }) => e.field === field), `${JSON.stringify(body)} → ${JSON.stringify(problem.errors)}`);
    }
    const create = await api.call('POST', '/api/v1/instances', { json: instanceBody('q2', { qos: { diskWriteBytesSec: 0 } }) });
    assert.equal(create.status, 400);
    assert.equal((await json(create)).errors[0].field, 'qos.diskWriteBytesSec');
  });
});
