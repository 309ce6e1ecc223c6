import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { HypervisorUnavailableError } from '../../hypervisor/errors.js';
import { startTestApi, type TestApi } from '../test-harness.js';

import { json, type Json } from './fixtures.js';

describe('instances under concurrency and failure', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  async function create(name: string, start = false): Promise<Json> {
    const res = await api.call('POST', '/api/v1/instances', { json: { name, cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 }, start } });
    const body = (await res.json()) as Json;
    await api.services.operations.settled(body.operation.id);
    return api.services.instances.get(body.instance.id);
  }

  test('start and delete at once: the instance ends deleted with no domain left', async () => {
    const inst = await create('race-1');
    const [start, del] = await Promise.all([
      api.call('POST', `/api/v1/instances/${inst.id}/actions/start`),
      api.call('DELETE', `/api/v1/instances/${inst.id}`),
    ]);
    // Either the start ran first, or the delete had already claimed the instance.
    const startCode = start.status === 200 ? 'ok' : (await json(start)).code;
    assert.ok(['ok', 'invalid_instance_state', 'instance_busy'].includes(startCode), `start answered ${start.status} ${startCode}`);
    assert.equal(del.status, 202);
    await api.services.operations.settled();
    assert.equal((await api.call('GET', `/api/v1/instances/${inst.id}`)).status, 404);
    assert.equal(await api.hypervisor.findDomain(inst.domainName), undefined);
  });

  test('a crashed instance can be deleted', async () => {
    const inst = await create('crashy', true);
    api.hypervisor.crash(inst.domainName);
    const del = await api.call('DELETE', `/api/v1/instances/${inst.id}`);
    const op = (await del.json()) as Json;
    await api.services.operations.settled(op.operation.id);
    assert.equal(api.services.operations.get(op.operation.id).state, 'succeeded', JSON.stringify(api.services.operations.get(op.operation.id)));
    assert.equal(await api.hypervisor.findDomain(inst.domainName), undefined);
  });

  test('a create that fails right after defining the domain (autostart refused) leaves no domain behind', async () => {
    const hv = api.hypervisor;
    hv.failNext('setAutostart', new HypervisorUnavailableError('link dropped'));
    const res = await api.call('POST', '/api/v1/instances', { json: { name: 'auto', cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 }, autostart: true } });
    const body = (await res.json()) as Json;
    await api.services.operations.settled(body.operation.id);
    assert.equal(api.services.operations.get(body.operation.id).state, 'failed');
    assert.equal(await hv.findDomain(body.instance.domainName), undefined);
    assert.equal((await api.call('GET', `/api/v1/instances/${body.instance.id}`)).status, 404);
  });

  test('a create whose cleanup fails keeps the instance in error; delete then finishes the cleanup', async () => {
    const hv = api.hypervisor;
    hv.failNext('start', new HypervisorUnavailableError('link dropped'));
    hv.failNext('undefineDomain', new HypervisorUnavailableError('link dropped'));
    const res = await api.call('POST', '/api/v1/instances', { json: { name: 'half', cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 }, start: true } });
    const body = (await res.json()) as Json;
    await api.services.operations.settled(body.operation.id);
    const op = api.services.operations.get(body.operation.id);
    assert.equal(op.state, 'failed');
    assert.equal(op.errorCode, 'hypervisor_unavailable');
    assert.match(op.errorDetail ?? '', /Cleaning up failed too \(undefine domain\)/);
    const inst = api.services.instances.get(body.instance.id);
    assert.equal(inst.state, 'error');
    assert.match(inst.stateReason, /cleanup is incomplete/);
    assert.ok(await hv.findDomain(inst.domainName), 'the domain is still there');
    const refused = await api.call('POST', `/api/v1/instances/${inst.id}/actions/start`);
    assert.equal(refused.status, 409);
    assert.equal((await json(refused)).code, 'instance_needs_repair', 'a half-made instance cannot be started');
    const del = (await (await api.call('DELETE', `/api/v1/instances/${inst.id}`)).json()) as Json;
    await api.services.operations.settled(del.operation.id);
    assert.equal(await hv.findDomain(inst.domainName), undefined);
    assert.equal(existsSync(api.agent.paths.instanceDir(inst.id)), false);
  });

  test('a change that waits too long behind another answers 409 instance_busy; the first one completes', async () => {
    const quick = await startTestApi({ lockWaitMs: 200 });
    try {
      await quick.bootstrap();
      const res = await quick.call('POST', '/api/v1/instances', { json: { name: 'slow', cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 } } });
      const body = (await res.json()) as Json;
      await quick.services.operations.settled(body.operation.id);
      quick.hypervisor.delayNext('start', 1000);
      const starting = quick.call('POST', `/api/v1/instances/${body.instance.id}/actions/start`);
      await new Promise((r) => setTimeout(r, 50));
      const second = await quick.call('POST', `/api/v1/instances/${body.instance.id}/actions/reset`);
      assert.equal(second.status, 409);
      assert.equal((await json(second)).code, 'instance_busy');
      assert.equal((await starting).status, 200);
      assert.equal((await json(await quick.call('GET', `/api/v1/instances/${body.instance.id}`))).state, 'running');
    } finally {
      await quick.close();
    }
  });
});
