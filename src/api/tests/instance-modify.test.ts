/**
 * PATCH /instances/:id: every rule, with status and code, and on each refusal the stored row
 * and the domain (definition and running values) exactly as before.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { genisoimage, skipUnlessPresent } from '../../../test/require-system.js';
import { ResourceChangeRefusedError } from '../../hypervisor/errors.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, tinyQcow2, waitOperation, type Json } from './fixtures.js';

describe('changing an instance (PATCH /instances/:id)', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  const patch = (id: string, body: unknown) => api.call('PATCH', `/api/v1/instances/${id}`, { json: body });
  const get = async (id: string) => json(await api.call('GET', `/api/v1/instances/${id}`));
  /** Everything stored and defined about an instance: its row, the domain's definition and its running values. */
  const snapshot = async (id: string) => {
    const row = api.services.instances.get(id);
    return { row, spec: api.hypervisor.specOf(row.domainName), live: await api.hypervisor.domainResources(row.domainName, 'live') };
  };
  const make = async (name: string, over: Json = {}) => {
    const { instance, operation } = await createInstance(api, instanceBody(name, over));
    assert.equal(operation.state, 'succeeded', JSON.stringify(operation));
    return instance;
  };
  const refused = async (id: string, body: unknown, status: number, code: string) => {
    const before = await snapshot(id);
    const res = await patch(id, body);
    const problem = await json(res);
    assert.equal(res.status, status, `${JSON.stringify(body)}: ${JSON.stringify(problem)}`);
    assert.equal(problem.code, code, JSON.stringify(problem));
    assert.deepEqual(await snapshot(id), before, `${JSON.stringify(body)} changed nothing stored or defined`);
    return problem;
  };

  test('create takes maxCores, maxMemoryMiB and a description; the maximums default to the start values', async () => {
    const a = await make('max-a', { cores: 1, maxCores: 4, memoryMiB: 128, maxMemoryMiB: 512, description: 'web front' });
    assert.deepEqual([a.cores, a.maxCores, a.memoryMiB, a.maxMemoryMiB, a.description], [1, 4, 128, 512, 'web front']);
    const spec = api.hypervisor.specOf(a.domainName)!;
    assert.deepEqual([spec.vcpus, spec.maxVcpus, spec.memoryMiB, spec.maxMemoryMiB], [1, 4, 128, 512]);
    const b = await make('max-b', { cores: 2, memoryMiB: 256 });
    assert.deepEqual([b.maxCores, b.maxMemoryMiB, b.description], [2, 256, '']);
  });

  test('create refuses maximums below the start values (400 maximum_below_current) and creates nothing', async () => {
    for (const over of [{ cores: 2, maxCores: 1 }, { memoryMiB: 256, maxMemoryMiB: 128 }]) {
      const res = await api.call('POST', '/api/v1/instances', { json: instanceBody('max-low', over) });
      const problem = await json(res);
      assert.equal(res.status, 400, JSON.stringify(problem));
      assert.equal(problem.code, 'maximum_below_current');
      assert.equal(problem.errors[0].field, Object.keys(over)[1]);
    }
    assert.equal((await api.call('GET', '/api/v1/instances/max-low')).status, 404);
  });

  test('stopped: every field changes, the definition follows, the maximums rise with cores and memory, one audit entry per change', async () => {
    const inst = await make('stopped-1', { cores: 1, maxCores: 2, memoryMiB: 128 });
    const res = await patch(inst.id, { name: 'stopped-renamed', cores: 4, memoryMiB: 1024, autostart: true, description: 'resized' });
    const body = await json(res);
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(
      [body.name, body.cores, body.maxCores, body.memoryMiB, body.maxMemoryMiB, body.autostart, body.description],
      ['stopped-renamed', 4, 4, 1024, 1024, true, 'resized'],
    );
    assert.deepEqual(body.notes, ["The guest's hostname is not managed by onebox (the instance has no cloud-init seed); change it inside the guest."]);
    const { notes: _notes, ...shown } = body;
    assert.deepEqual(await get(inst.id), shown, 'GET shows what PATCH answered');
    const spec = api.hypervisor.specOf(inst.domainName)!;
    assert.deepEqual([spec.title, spec.vcpus, spec.maxVcpus, spec.memoryMiB, spec.maxMemoryMiB], ['stopped-renamed', 4, 4, 1024, 1024]);
    assert.equal(await api.hypervisor.getAutostart(inst.domainName), true);
    // Lower again: the maximums stay.
    const lower = await json(await patch(inst.id, { cores: 1, memoryMiB: 256 }));
    assert.deepEqual([lower.cores, lower.maxCores, lower.memoryMiB, lower.maxMemoryMiB], [1, 4, 256, 1024]);
    const audit = (await json(await api.call('GET', '/api/v1/audit'))).items.filter((e: Json) => e.action === 'update' && e.targetId === inst.id).map((e: Json) => e.detail);
    for (const detail of ['name: stopped-1 → stopped-renamed', 'cores: 1 → 4', 'memoryMiB: 128 → 1024', 'autostart: false → true', 'description changed', 'cores: 4 → 1', 'memoryMiB: 1024 → 256'])
      assert.ok(audit.includes(detail), `audit has "${detail}": ${JSON.stringify(audit)}`);
    // The same values again change nothing and record nothing.
    const again = await patch(inst.id, { cores: 1, description: 'resized' });
    assert.equal(again.status, 200);
    const auditAfter = (await json(await api.call('GET', '/api/v1/audit'))).items.filter((e: Json) => e.action === 'update' && e.targetId === inst.id);
    assert.equal(auditAfter.length, audit.length);
  });

  test('running: cores and memory change live up to the maximums and in the definition; name, autostart and description too', async () => {
    const inst = await make('live-1', { cores: 1, maxCores: 3, memoryMiB: 128, maxMemoryMiB: 512, start: true });
    assert.equal((await get(inst.id)).state, 'running');
    const res = await patch(inst.id, { cores: 3, memoryMiB: 384, name: 'live-renamed', autostart: true, description: 'grown live' });
    const body = await json(res);
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual([body.cores, body.maxCores, body.memoryMiB, body.maxMemoryMiB, body.name, body.state], [3, 3, 384, 512, 'live-renamed', 'running']);
    assert.deepEqual(await api.hypervisor.domainResources(inst.domainName, 'live'), { vcpus: 3, maxVcpus: 3, memoryMiB: 384, maxMemoryMiB: 512 });
    const spec = api.hypervisor.specOf(inst.domainName)!;
    assert.deepEqual([spec.title, spec.vcpus, spec.memoryMiB], ['live-renamed', 3, 384], 'the definition follows for the next boot');
    // Lowering live works where the guest lets go.
    const lower = await json(await patch(inst.id, { cores: 2, memoryMiB: 256 }));
    assert.deepEqual([lower.cores, lower.memoryMiB, lower.notes], [2, 256, []]);
    assert.deepEqual(await api.hypervisor.domainResources(inst.domainName, 'live'), { vcpus: 2, maxVcpus: 3, memoryMiB: 256, maxMemoryMiB: 512 });
  });

  test('a new name goes into the cloud-init seed, where the guest reads it at its next cloud-init run', { skip: skipUnlessPresent(genisoimage()) }, async () => {
    const imageId = (await json(await api.call('POST', '/api/v1/images?name=seedbase', { body: tinyQcow2() }))).id;
    const inst = await make('seed-old', { disk: { source: 'image', imageId }, cloudInit: { sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOnly a@b'] }, start: true });
    const renamed = await patch(inst.id, { name: 'seed-new' });
    assert.equal(renamed.status, 200);
    assert.deepEqual((await json(renamed)).notes, ["The guest keeps its hostname 'seed-old' until cloud-init runs again (its seed now says 'seed-new'); change it inside the guest to have it now."]);
    const metaData = spawnSync('isoinfo', ['-J', '-i', api.storage.pathOf(`${inst.id}/seed.iso`), '-x', '/meta-data'], { encoding: 'utf8' });
    assert.equal(metaData.stdout, `instance-id: "${inst.id}"\nlocal-hostname: "seed-new"\n`, metaData.stderr);
  });

  test('running: above the maximums is 409 instance_must_be_stopped naming the maximum; nothing changes', async () => {
    const inst = await make('live-max', { cores: 1, maxCores: 2, memoryMiB: 128, maxMemoryMiB: 256, start: true });
    const cores = await refused(inst.id, { cores: 3, description: 'not applied' }, 409, 'instance_must_be_stopped');
    assert.match(cores.detail, /at most 2 cores/);
    const memory = await refused(inst.id, { memoryMiB: 512, name: 'not-applied' }, 409, 'instance_must_be_stopped');
    assert.match(memory.detail, /at most 256 MiB/);
  });

  test('running: a change the guest or libvirt refuses is 409 resource_change_refused, and what was done is undone', async () => {
    const inst = await make('live-refuse', { cores: 2, maxCores: 2, memoryMiB: 128, maxMemoryMiB: 256, start: true });
    api.hypervisor.failNext('setResources', new ResourceChangeRefusedError('vcpu unplug request timed out', 68));
    await refused(inst.id, { cores: 1 }, 409, 'resource_change_refused');
    // The vCPUs change, then the memory is refused: the vCPUs go back.
    const real = api.hypervisor.setResources.bind(api.hypervisor);
    let calls = 0;
    api.hypervisor.setResources = async (...args) => {
      if (++calls === 2) throw new ResourceChangeRefusedError('balloon refused', 1);
      return real(...args);
    };
    try {
      await refused(inst.id, { cores: 1, memoryMiB: 200 }, 409, 'resource_change_refused');
    } finally {
      api.hypervisor.setResources = real;
    }
    assert.equal(calls, 3, 'vCPUs set, memory refused, vCPUs restored');
  });

  test('a failure after a live change whose undo fails too is 502 change_incomplete; the stored instance keeps its values', async () => {
    const inst = await make('live-undo', { cores: 1, maxCores: 2, start: true });
    const row = api.services.instances.get(inst.id);
    const real = api.hypervisor.setResources.bind(api.hypervisor);
    let calls = 0;
    api.hypervisor.setResources = async (...args) => {
      if (++calls === 2) throw new ResourceChangeRefusedError('vcpu unplug request timed out', 68);
      return real(...args);
    };
    api.hypervisor.failNext('defineDomain', new Error('disk full'));
    try {
      const res = await patch(inst.id, { cores: 2 });
      const problem = await json(res);
      assert.deepEqual([res.status, problem.code], [502, 'change_incomplete'], JSON.stringify(problem));
      assert.match(problem.detail, /restore the vCPUs/);
    } finally {
      api.hypervisor.setResources = real;
    }
    assert.deepEqual(api.services.instances.get(inst.id), row, 'the row is as before');
  });

  test('bad input: 400 with field errors; unknown instance 404; name taken 409; nothing changes', async () => {
    const inst = await make('bad-in');
    await make('bad-other');
    const cases: [unknown, string][] = [
      [{}, 'request body'],
      [{ cores: 0 }, 'cores'],
      [{ cores: 1.5 }, 'cores'],
      [{ cores: 'two' }, 'cores'],
      [{ memoryMiB: 32 }, 'memoryMiB'],
      [{ name: 'no spaces' }, 'name'],
      [{ autostart: 'yes' }, 'autostart'],
      [{ description: 'x'.repeat(1001) }, 'description'],
      [{ maxCores: 4 }, 'request body'],
      [{ cores: 2, bogus: 1 }, 'request body'],
    ];
    for (const [body, field] of cases) {
      const problem = await refused(inst.id, body, 400, 'validation_failed');
      assert.ok(problem.errors.some((e: Json) => e.field === field), `${JSON.stringify(body)}: ${JSON.stringify(problem.errors)}`);
    }
    const res = await patch('nope', { cores: 2 });
    assert.equal(res.status, 404);
    assert.equal((await json(res)).code, 'instance_not_found');
    await refused(inst.id, { name: 'bad-other', cores: 2 }, 409, 'instance_name_taken');
  });

  test('growing beyond what the host can take is 507 no_host_available; nothing changes', async () => {
    const inst = await make('too-big');
    // The fake host has 4 CPUs (×4 overcommit) and 8 GiB (×1).
    const cores = await refused(inst.id, { cores: 64 }, 507, 'no_host_available');
    assert.match(cores.detail, /not enough vCPUs for 63 more/);
    await refused(inst.id, { memoryMiB: 64 * 1024 }, 507, 'no_host_available');
  });

  test('an instance being created or deleted is 409 invalid_instance_state', async () => {
    api.hypervisor.delayNext('defineDomain', 400);
    const res = await api.call('POST', '/api/v1/instances', { json: instanceBody('busy-1') });
    const created = await json(res);
    assert.equal(created.instance.state, 'creating');
    const problem = await json(await patch(created.instance.id, { description: 'while creating' }));
    assert.equal(problem.code, 'invalid_instance_state', JSON.stringify(problem));
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    assert.equal((await get(created.instance.id)).description, '');
    api.hypervisor.delayNext('undefineDomain', 400);
    const del = await api.call('DELETE', `/api/v1/instances/${created.instance.id}`);
    const during = await patch(created.instance.id, { cores: 2 });
    assert.equal(during.status, 409);
    assert.equal((await json(during)).code, 'invalid_instance_state');
    assert.equal((await waitOperation(api, del.headers.get('location'))).state, 'succeeded');
  });
});
