/**
 * The guest agent's features through the API (fake hypervisor): set-guest-password with its
 * default user and every refusal, guest-info with the agent as a state, and the graceful stop
 * that falls back to the agent when the guest ignores ACPI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, tinyQcow2, waitOperation, type Json } from './fixtures.js';

describe('guest agent (set-guest-password, guest-info, stop fallback)', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  const make = async (name: string, over: Json = {}) => {
    const { instance, operation } = await createInstance(api, instanceBody(name, over));
    assert.equal(operation.state, 'succeeded', JSON.stringify(operation));
    return instance;
  };
  const setPassword = (id: string, body: unknown) => api.call('POST', `/api/v1/instances/${id}/actions/set-guest-password`, { json: body });
  const info = async (id: string) => {
    const res = await api.call('GET', `/api/v1/instances/${id}/guest-info`);
    assert.equal(res.status, 200, await res.clone().text());
    return json(res);
  };
  const expectProblem = async (res: Response, status: number, code: string) => {
    const problem = await json(res);
    assert.deepEqual([res.status, problem.code], [status, code], JSON.stringify(problem));
    return problem;
  };
  const eth0 = (mac: string) => ({ name: 'eth0', mac, addresses: [{ address: '10.9.0.5', prefix: 24, family: 'ipv4' as const }] });

  test("sets root's password through the agent by default, a named user's when given; the audit names the user, never the password", async () => {
    const inst = await make('pw-root', { start: true });
    api.hypervisor.setGuestAgent(inst.domainName, []);
    api.hypervisor.addGuestUsers(inst.domainName, 'alice');
    const res = await setPassword(inst.id, { password: 'Guest-Pass-1' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await json(res), { username: 'root' });
    assert.equal(api.hypervisor.guestPassword(inst.domainName, 'root'), 'Guest-Pass-1');
    assert.equal((await setPassword(inst.id, { username: 'alice', password: 'Alice-Pass-2' })).status, 200);
    assert.equal(api.hypervisor.guestPassword(inst.domainName, 'alice'), 'Alice-Pass-2');
    assert.equal(api.hypervisor.guestPassword(inst.domainName, 'root'), 'Guest-Pass-1', "root's unchanged");
    const entries = api.services.audit.list().items.filter((e) => e.action === 'set_guest_password' && e.targetId === inst.id);
    assert.deepEqual(entries.map((e) => e.detail).sort(), ['alice', 'root']);
    assert.ok(!JSON.stringify(api.services.audit.list()).includes('Pass-'), 'no password in the audit log');
  });

  test("the image's default user is the default when the image records one", async () => {
    const upload = await api.call('POST', '/api/v1/images?name=debian-like&defaultUser=debian', { body: tinyQcow2() });
    assert.equal(upload.status, 201);
    const image = await json(upload);
    assert.equal(image.defaultUser, 'debian');
    const inst = await make('pw-image', { disk: { source: 'image', imageId: image.id, sizeGiB: 1 }, start: true });
    api.hypervisor.setGuestAgent(inst.domainName, []);
    api.hypervisor.addGuestUsers(inst.domainName, 'debian');
    const res = await setPassword(inst.id, { password: 'Debian-Pass-3' });
    assert.deepEqual([res.status, await json(res)], [200, { username: 'debian' }]);
    assert.equal(api.hypervisor.guestPassword(inst.domainName, 'debian'), 'Debian-Pass-3');
    assert.equal(api.hypervisor.guestPassword(inst.domainName, 'root'), null, "root's untouched");
    const plain = await json(await api.call('POST', '/api/v1/images?name=no-user', { body: tinyQcow2() }));
    assert.equal(plain.defaultUser, null);
    await expectProblem(await api.call('POST', '/api/v1/images?name=bad-user&defaultUser=Root%20User', { body: tinyQcow2() }), 400, 'validation_failed');
  });

  test('refusals: not running, no agent, unknown user, weak or malformed password, unknown instance', async () => {
    const inst = await make('pw-refusals');
    const stopped = await expectProblem(await setPassword(inst.id, { password: 'Guest-Pass-1' }), 409, 'instance_not_running');
    assert.match(stopped.detail, /pw-refusals/);
    assert.equal((await api.call('POST', `/api/v1/instances/${inst.id}/actions/start`)).status, 200);
    const silent = await expectProblem(await setPassword(inst.id, { password: 'Guest-Pass-1' }), 409, 'guest_agent_unavailable');
    assert.match(silent.detail, /guest agent of instance 'pw-refusals' does not answer/);
    api.hypervisor.setGuestAgent(inst.domainName, []);
    const refused = await expectProblem(await setPassword(inst.id, { username: 'nobody', password: 'Guest-Pass-1' }), 409, 'guest_password_refused');
    assert.match(refused.detail, /'nobody'/);
    const weak = await expectProblem(await setPassword(inst.id, { password: 'short' }), 400, 'password_too_weak');
    assert.ok(weak.errors.some((e: Json) => e.field === 'password'), JSON.stringify(weak));
    await expectProblem(await setPassword(inst.id, { password: 'Guest-Pass-1\nroot:x' }), 400, 'password_too_weak');
    await expectProblem(await setPassword(inst.id, { username: 'Root', password: 'Guest-Pass-1' }), 400, 'validation_failed');
    await expectProblem(await setPassword(inst.id, { password: 'Guest-Pass-1', extra: 1 }), 400, 'validation_failed');
    await expectProblem(await setPassword(inst.id, {}), 400, 'password_too_weak'); // the tree's field code, as for setup
    await expectProblem(await setPassword('nope', { password: 'Guest-Pass-1' }), 404, 'instance_not_found');
    assert.equal(api.hypervisor.guestPassword(inst.domainName, 'root'), null, 'no refusal set a password');
    assert.equal(api.services.audit.list().items.filter((e) => e.action === 'set_guest_password' && e.targetId === inst.id).length, 0, 'refusals are not audited as changes');
  });

  test('guest-info: hostname, OS and addresses from the agent; agent unavailable is a 200 state, stopped too', async () => {
    const inst = await make('info-1');
    const stopped = await info(inst.id);
    assert.equal(stopped.agent, 'unavailable');
    assert.match(stopped.reason, /stopped/);
    assert.equal(stopped.addresses, null);
    assert.equal((await api.call('POST', `/api/v1/instances/${inst.id}/actions/start`)).status, 200);
    const silent = await info(inst.id);
    assert.deepEqual([silent.agent, silent.hostname, silent.osName, silent.addresses.source], ['unavailable', null, null, 'leases']);
    assert.match(silent.reason, /does not answer/);
    const mac = '52:54:00:12:34:56';
    api.hypervisor.setGuestAgent(inst.domainName, [eth0(mac)], { hostname: 'info-1', osName: 'Debian GNU/Linux', osVersion: '12 (bookworm)', osPrettyName: 'Debian GNU/Linux 12 (bookworm)', kernelRelease: '6.1.0-28-amd64' });
    assert.deepEqual(await info(inst.id), {
      agent: 'available', reason: null, hostname: 'info-1', osName: 'Debian GNU/Linux', osVersion: '12 (bookworm)', osPrettyName: 'Debian GNU/Linux 12 (bookworm)', kernelRelease: '6.1.0-28-amd64',
      addresses: { source: 'agent', items: [eth0(mac)] },
    });
    assert.equal((await api.call('GET', '/api/v1/instances/nope/guest-info')).status, 404);
  });

  test('stop: ACPI when the guest listens; the guest agent when it ignores ACPI; stop_timed_out naming both when neither works', async () => {
    const stop = async (id: string) => waitOperation(api, (await api.call('POST', `/api/v1/instances/${id}/actions/stop`)).headers.get('location'));
    const a = await make('stop-acpi', { start: true });
    const byAcpi = await stop(a.id);
    assert.deepEqual([byAcpi.state, byAcpi.message], ['succeeded', 'Stopped through ACPI']);

    const b = await make('stop-agent', { start: true });
    api.hypervisor.setIgnoresAcpi(b.domainName, true);
    api.hypervisor.setGuestAgent(b.domainName, []);
    const byAgent = await stop(b.id);
    assert.equal(byAgent.state, 'succeeded', JSON.stringify(byAgent));
    assert.match(byAgent.message, /^Stopped through the guest agent after the guest ignored ACPI for \d+ s$/);
    assert.equal((await json(await api.call('GET', `/api/v1/instances/${b.id}`))).state, 'stopped');

    const c = await make('stop-neither', { start: true });
    api.hypervisor.setIgnoresAcpi(c.domainName, true);
    const neither = await stop(c.id);
    assert.deepEqual([neither.state, neither.errorCode], ['failed', 'stop_timed_out'], JSON.stringify(neither));
    assert.match(neither.errorDetail, /ignores ACPI and no guest agent answers/);
    assert.equal((await json(await api.call('GET', `/api/v1/instances/${c.id}`))).state, 'running');
    assert.equal((await api.call('POST', `/api/v1/instances/${c.id}/actions/force-stop`)).status, 200);
  });
});
