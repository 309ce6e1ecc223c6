import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Actor } from '../../services/actor.js';
import { ConsoleService } from '../../services/instances/consoles.js';
import type { InstanceRuntime } from '../../services/instances/runtime.js';
import { InstanceStore } from '../../services/instances/store.js';
import { startTestApi, type TestApi } from '../test-harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('console tokens', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    const res = await api.call('POST', '/api/v1/instances', { json: { name: 'c1', cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 } } });
    await api.services.operations.settled(((await res.json()) as Json).operation.id);
  });
  after(() => api.close());

  const ticket = (kind: string) => api.call('POST', '/api/v1/instances/c1/console-tokens', { json: { kind } });

  test('refused while the instance is stopped, with a clear code', async () => {
    const res = await ticket('vnc');
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as Json).code, 'instance_not_running');
  });

  test('a running instance gets a token with a relative path; VNC tickets carry the password', async () => {
    await api.call('POST', '/api/v1/instances/c1/actions/start');
    const res = await ticket('vnc');
    assert.equal(res.status, 201);
    const body = (await res.json()) as Json;
    assert.match(body.path, /^api\/v1\/console\/ws\?token=/);
    assert.equal(body.password, api.services.instances.get('c1').vncPassword);
    const serial = (await (await ticket('serial')).json()) as Json;
    assert.equal(serial.password, undefined);
    assert.equal((await ticket('spice')).status, 400);
  });

  test('a reused token is refused with a 4xx before any upgrade', async () => {
    const { path, token } = (await (await ticket('vnc')).json()) as Json;
    // First use, through the service (an in-process request has no socket to upgrade).
    api.services.consoles.redeem(token, api.admin);
    const reused = await api.call('GET', `/${path}`, { headers: { upgrade: 'websocket', connection: 'Upgrade' } });
    assert.equal(reused.status, 401);
    assert.equal(((await reused.json()) as Json).code, 'console_token_invalid');
    const plain = await api.call('GET', '/api/v1/console/ws?token=x');
    assert.equal(plain.status, 426);
    assert.equal(((await plain.json()) as Json).code, 'websocket_required');
    const missing = await api.call('GET', '/api/v1/console/ws', { headers: { upgrade: 'websocket', connection: 'Upgrade' } });
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as Json).code, 'console_token_missing');
  });

  test('an expired token and a token of another user are refused', () => {
    let now = Date.now();
    const store = new InstanceStore(api.db);
    const runtime = {} as InstanceRuntime; // issuing and redeeming tokens never reaches a host
    const consoles = new ConsoleService(store, runtime, api.services.audit, 30_000, () => now);
    const actor: Actor = api.admin;
    const expired = consoles.issue('c1', 'vnc', actor);
    now += 31_000;
    assert.throws(() => consoles.redeem(expired.token, actor), { code: 'console_token_expired' });
    const other = consoles.issue('c1', 'vnc', actor);
    assert.throws(() => consoles.redeem(other.token, { ...actor, userId: 'usr_other' }), { code: 'console_token_invalid' });
    assert.throws(() => consoles.redeem(other.token, actor), { code: 'console_token_invalid' }, 'a refused attempt still burns the token');
  });
});
