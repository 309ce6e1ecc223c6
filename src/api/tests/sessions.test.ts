import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { users } from '../../db/schema.js';
import { ADMIN, startTestApi, type TestApi } from '../test-harness.js';

type Problem = { code: string; detail: string };
const MIN = 60_000;

describe('sessions: idle timeout, lifetime, listing and revocation; API token expiry and revocation', () => {
  let api: TestApi;
  let clock = Date.now();
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    api.services.auth.now = () => clock;
  });
  after(() => api.close());

  /** Logs in as the admin with a user agent; returns the cookie and headers for unsafe requests. */
  async function login(userAgent = 'test-agent/1') {
    const res = await api.call('POST', '/api/v1/sessions', { json: ADMIN, token: null, headers: { 'user-agent': userAgent } });
    assert.equal(res.status, 201);
    const cookie = res.headers.get('set-cookie')!.split(';')[0];
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    return { cookie, headers: { cookie, 'x-csrf-token': csrfToken } };
  }
  const status = async (cookie: string) => (await api.call('GET', '/api/v1/instances', { headers: { cookie }, token: null })).status;

  test('the defaults: 30 minutes idle, 12 hours in all, 365 days of audit', async () => {
    const res = await api.call('GET', '/api/v1/settings/security');
    assert.deepEqual(await res.json(), { sessionIdleMinutes: 30, sessionLifetimeHours: 12, auditRetentionDays: 365 });
  });

  test('a session unused for the idle timeout ends; one in use lives on', async () => {
    const s = await login();
    clock += 29 * MIN;
    assert.equal(await status(s.cookie), 200, 'used after 29 minutes');
    clock += 29 * MIN;
    assert.equal(await status(s.cookie), 200, 'the use restarted the idle timer');
    clock += 31 * MIN;
    const res = await api.call('GET', '/api/v1/instances', { headers: { cookie: s.cookie }, token: null });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as Problem).code, 'unauthenticated');
  });

  test('a session ends at its absolute lifetime even when in use', async () => {
    const s = await login();
    for (let i = 0; i < 24; i++) {
      clock += 29 * MIN;
      assert.equal(await status(s.cookie), 200, `after ${(i + 1) * 29} minutes`);
    }
    clock += 29 * MIN; // 12 h 5 min after login
    assert.equal(await status(s.cookie), 401);
  });

  test('an admin changes the timeouts; a shorter idle timeout applies at once; bad values are 400', async () => {
    const s = await login();
    const bad = await api.call('PATCH', '/api/v1/settings/security', { json: { sessionIdleMinutes: 0 } });
    assert.equal(bad.status, 400);
    const res = await api.call('PATCH', '/api/v1/settings/security', { json: { sessionIdleMinutes: 5 } });
    assert.deepEqual(await res.json(), { sessionIdleMinutes: 5, sessionLifetimeHours: 12, auditRetentionDays: 365 });
    clock += 6 * MIN;
    assert.equal(await status(s.cookie), 401);
    assert.equal(api.services.audit.list({ action: 'settings.update' }).items.length, 1);
    await api.call('PATCH', '/api/v1/settings/security', { json: { sessionIdleMinutes: 30 } });
  });

  test('list your sessions (created, last seen, ip, user agent, current); revoke one, which works at once; logout ends this one', async () => {
    api.services.auth.pruneExpiredSessions();
    const a = await login('browser-a');
    const b = await login('browser-b');
    const res = await api.call('GET', '/api/v1/session/sessions', { headers: { cookie: a.cookie }, token: null });
    const { items } = (await res.json()) as { items: { id: string; current: boolean; userAgent: string; ip: string; createdAt: string; lastSeenAt: string }[] };
    assert.equal(items.length, 2);
    const current = items.filter((i) => i.current);
    assert.equal(current.length, 1);
    assert.equal(current[0].userAgent, 'browser-a');
    assert.equal(current[0].ip, 'local');
    assert.ok(current[0].createdAt && current[0].lastSeenAt);
    const other = items.find((i) => !i.current)!;
    assert.equal(other.userAgent, 'browser-b');
    assert.equal((await api.call('DELETE', `/api/v1/session/sessions/${other.id}`, { headers: a.headers, token: null })).status, 204);
    assert.equal(await status(b.cookie), 401, 'revoked at once');
    const again = await api.call('DELETE', `/api/v1/session/sessions/${other.id}`, { headers: a.headers, token: null });
    assert.equal(again.status, 404);
    assert.equal(((await again.json()) as Problem).code, 'session_not_found');
    assert.equal((await api.call('DELETE', '/api/v1/session', { headers: a.headers, token: null })).status, 204);
    assert.equal(await status(a.cookie), 401);
    assert.equal(api.services.audit.list({ action: 'logout' }).items.length, 1);
  });

  test('API tokens: expiresInDays at create; listed without secret with their expiry; expired tokens refused with token_expired', async () => {
    const created = await api.call('POST', '/api/v1/tokens', { json: { name: 'short', expiresInDays: 1 } });
    assert.equal(created.status, 201);
    const tok = (await created.json()) as { id: string; token: string; expiresAt: string };
    assert.equal(Date.parse(tok.expiresAt), clock + 86400_000);
    const list = (await (await api.call('GET', '/api/v1/tokens')).json()) as { items: Record<string, unknown>[] };
    const listed = list.items.find((t) => t.id === tok.id)!;
    assert.equal(listed.expiresAt, tok.expiresAt);
    assert.ok(list.items.every((t) => t.token === undefined && t.tokenHash === undefined));
    assert.equal((await api.call('GET', '/api/v1/instances', { token: tok.token })).status, 200);
    const bad = await api.call('POST', '/api/v1/tokens', { json: { name: 'x', expiresInDays: 0 } });
    assert.equal(bad.status, 400);
    clock += 86400_000 + 1;
    const expired = await api.call('GET', '/api/v1/instances', { token: tok.token });
    assert.equal(expired.status, 401);
    const problem = (await expired.json()) as Problem;
    assert.equal(problem.code, 'token_expired');
    assert.match(problem.detail, /'short' expired at/);
  });

  test('a revoked token is refused at once even though its recent use is still waiting in the use cache', async () => {
    const tok = (await (await api.call('POST', '/api/v1/tokens', { json: { name: 'cached' } })).json()) as { id: string; token: string };
    assert.equal((await api.call('GET', '/api/v1/instances', { token: tok.token })).status, 200); // remembered, not yet flushed
    assert.equal((await api.call('DELETE', `/api/v1/tokens/${tok.id}`)).status, 204);
    const res = await api.call('GET', '/api/v1/instances', { token: tok.token });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as Problem).code, 'invalid_token');
    api.services.auth.flushTokenUse(); // writing the pending use brings nothing back
    assert.equal((await api.call('GET', '/api/v1/instances', { token: tok.token })).status, 401);
  });

  test('a token answered from memory follows its user at once: a new role, disabled (also straight in the database), deleted', async () => {
    const created = await api.call('POST', '/api/v1/users', { json: { username: 'carol', password: 'Car0lPassw0rd', role: 'user' } });
    const carol = (await created.json()) as { id: string; username: string };
    const { token } = api.services.auth.createApiToken({ userId: carol.id, username: carol.username, role: 'user', ip: '127.0.0.1' }, 'carol-ci');
    const listUsers = () => api.call('GET', '/api/v1/users', { token });
    for (let i = 0; i < 3; i++) assert.equal((await listUsers()).status, 403, 'a plain user may not list users (answered again from memory)');
    assert.equal((await api.call('PATCH', `/api/v1/users/${carol.id}`, { json: { role: 'admin' } })).status, 200);
    assert.equal((await listUsers()).status, 200, 'promoted: the next request acts as admin');
    api.db.update(users).set({ disabled: true }).where(eq(users.id, carol.id)).run();
    const disabled = await listUsers();
    assert.equal(disabled.status, 401, 'disabled behind the services\' back: refused at once');
    assert.equal(((await disabled.json()) as Problem).code, 'invalid_token');
    api.db.update(users).set({ disabled: false }).where(eq(users.id, carol.id)).run();
    assert.equal((await listUsers()).status, 200);
    assert.equal((await api.call('PATCH', `/api/v1/users/${carol.id}`, { json: { role: 'user' } })).status, 200);
    assert.equal((await listUsers()).status, 403, 'demoted: refused at once');
    assert.equal((await api.call('DELETE', `/api/v1/users/${carol.id}`)).status, 204);
    assert.equal((await listUsers()).status, 401, 'deleted with its tokens: refused at once');
  });
});
