/**
 * The pool CPU baseline through the API (fake hypervisors with different CPUs): computed when a
 * second host joins a pool, recomputed when hosts leave, shown on the pool, and given to the
 * domains of new instances and of existing ones at their next cold start.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addFakeHost, startTestApi, type FakeHost, type TestApi } from '../test-harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('pool CPU baseline', () => {
  let api: TestApi;
  let poolId: string;
  let wide: FakeHost;
  let narrow: FakeHost;
  const json = async (res: Response) => (await res.json()) as Json;
  const pool = async () => json(await api.call('GET', `/api/v1/pools/${poolId}`));
  const domainCpu = (host: FakeHost, instance: Json) => host.hypervisor.specOf(instance.domainName)?.cpu;

  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    poolId = (await json(await api.call('POST', '/api/v1/pools', { json: { name: 'mixed' } }))).id as string;
  });
  after(() => api.close());

  test('a pool with one host keeps the default CPU: no baseline', async () => {
    const defaultPool = await json(await api.call('GET', '/api/v1/pools/default'));
    assert.deepEqual([defaultPool.cpuModel, defaultPool.cpuBaselineHosts], [null, []]);
    wide = await addFakeHost(api, { name: 'wide', cpus: 4, memoryMiB: 4096, poolId, cpu: { model: 'fake-epyc', features: ['sse4.2', 'avx', 'avx512f'] } });
    assert.deepEqual([(await pool()).cpuModel, (await pool()).cpuBaselineHosts], [null, []]);
  });

  test('a second host joining makes the baseline: the common model and only the features both have', async () => {
    narrow = await addFakeHost(api, { name: 'narrow', cpus: 4, memoryMiB: 4096, poolId, cpu: { model: 'fake-epyc', features: ['sse4.2'] } });
    const p = await pool();
    assert.equal(p.cpuModel, 'fake-epyc');
    assert.deepEqual(p.cpuBaselineHosts, [narrow.id, wide.id]);
    const listed = ((await json(await api.call('GET', '/api/v1/pools'))).items as Json[]).find((x) => x.id === poolId);
    assert.equal(listed?.cpuModel, 'fake-epyc');
  });

  test('a new instance gets the baseline; after a host leaves, an existing one gets the new baseline at its next cold start', async () => {
    const res = await api.call('POST', '/api/v1/instances', { json: { name: 'moves', pool: 'mixed', hostId: wide.id, cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 } } });
    assert.equal(res.status, 202, JSON.stringify(await res.clone().json()));
    await api.services.operations.settled();
    const instance = await json(await api.call('GET', '/api/v1/instances/moves'));
    assert.deepEqual(domainCpu(wide, instance), { kind: 'baseline', cpu: { model: 'fake-epyc', features: [{ name: 'sse4.2', policy: 'require' }] } });

    const moved = await api.call('PATCH', `/api/v1/hosts/${narrow.id}`, { json: { poolId: null } });
    assert.equal(moved.status, 200);
    const p = await pool();
    assert.deepEqual([p.cpuModel, p.cpuBaselineHosts], ['fake-epyc', [wide.id]], 'once it had a baseline, a pool of one host keeps one (of that host)');
    assert.equal((domainCpu(wide, instance) as Json).cpu.features.length, 1, 'a defined domain keeps its CPU until it is redefined');

    await api.services.operations.settled((await json(await api.call('POST', '/api/v1/instances/moves/actions/force-stop'))).operation?.id);
    const started = await api.call('POST', '/api/v1/instances/moves/actions/start');
    assert.ok(started.status < 300, await started.clone().text());
    await api.services.operations.settled();
    assert.deepEqual((domainCpu(wide, instance) as Json).cpu.features.map((f: Json) => f.name), ['sse4.2', 'avx', 'avx512f']);
    await api.services.operations.settled((await json(await api.call('DELETE', '/api/v1/instances/moves'))).operation.id);
  });

  test('the last host leaving clears the baseline; a host that rejoins a pool with one other host makes it again', async () => {
    assert.equal((await api.call('DELETE', `/api/v1/hosts/${wide.id}`)).status, 204);
    assert.deepEqual([(await pool()).cpuModel, (await pool()).cpuBaselineHosts], [null, []]);
    const third = await addFakeHost(api, { name: 'third', cpus: 2, memoryMiB: 2048, poolId, cpu: { model: 'fake-xeon', features: ['sse4.2', 'avx'] } });
    assert.equal((await pool()).cpuModel, null, 'alone again: the default CPU');
    assert.equal((await api.call('PATCH', `/api/v1/hosts/${narrow.id}`, { json: { poolId } })).status, 200);
    const p = await pool();
    assert.deepEqual([p.cpuModel, p.cpuBaselineHosts], ['qemu64', [narrow.id, third.id]], "the fake's baseline of two models is qemu64");
  });
});
