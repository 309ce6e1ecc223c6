import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from '../test-harness.js';

type Problem = { code: string; detail: string };

/** Logs in through the API; returns the cookie and CSRF token to send. */
async function login(api: TestApi, username: string, password: string) {
  const res = await api.call('POST', '/api/v1/sessions', { json: { username, password }, token: null });
  assert.equal(res.status, 201, `login of ${username}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0];
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie, headers: { cookie, 'x-csrf-token': csrfToken } };
}

describe('users: admin management, refusals, own password', () => {
  let api: TestApi;
  let aliceId: string;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  test('an admin creates a user (201, no hash); weak passwords, taken names and unknown fields are refused', async () => {
    const res = await api.call('POST', '/api/v1/users', { json: { username: 'alice', password: 'Al1cePassw0rd', displayName: 'Alice A', email: 'alice@example.org', role: 'user' } });
    assert.equal(res.status, 201);
    const alice = (await res.json()) as Record<string, unknown>;
    aliceId = String(alice.id);
    assert.equal(res.headers.get('location'), `/api/v1/users/${aliceId}`);
    assert.deepEqual({ ...alice, id: undefined, createdAt: undefined }, { id: undefined, createdAt: undefined, username: 'alice', displayName: 'Alice A', email: 'alice@example.org', role: 'user', disabled: false });
    const weak = await api.call('POST', '/api/v1/users', { json: { username: 'bob', password: 'weakpass', role: 'user' } });
    assert.equal(weak.status, 400);
    assert.equal(((await weak.json()) as Problem).code, 'password_too_weak');
    const taken = await api.call('POST', '/api/v1/users', { json: { username: 'ALICE', password: 'Al1cePassw0rd', role: 'user' } });
    assert.equal(taken.status, 409);
    assert.equal(((await taken.json()) as Problem).code, 'username_taken');
    const extra = await api.call('POST', '/api/v1/users', { json: { username: 'carol', password: 'Car0lPassword', role: 'root' } });
    assert.equal(extra.status, 400);
    assert.equal(((await extra.json()) as Problem).code, 'validation_failed');
  });

  test('list is paged and filtered by a username prefix; show by id or name', async () => {
    await api.call('POST', '/api/v1/users', { json: { username: 'alex', password: 'Al3xPassword', role: 'user' } });
    const all = (await (await api.call('GET', '/api/v1/users?limit=2')).json()) as { items: { username: string }[]; nextCursor: string | null };
    assert.deepEqual(all.items.map((u) => u.username), ['admin', 'alex']);
    assert.ok(all.nextCursor);
    const rest = (await (await api.call('GET', `/api/v1/users?limit=2&cursor=${all.nextCursor}`)).json()) as { items: { username: string }[] };
    assert.deepEqual(rest.items.map((u) => u.username), ['alice']);
    const al = (await (await api.call('GET', '/api/v1/users?q=al')).json()) as { items: { username: string }[] };
    assert.deepEqual(al.items.map((u) => u.username), ['alex', 'alice']);
    assert.equal(((await (await api.call('GET', '/api/v1/users/alice')).json()) as { id: string }).id, aliceId);
    const missing = await api.call('GET', '/api/v1/users/nobody');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as Problem).code, 'user_not_found');
  });

  test('a user who is not admin gets 403 forbidden on every /users route; GET /session shows who they are', async () => {
    const alice = await login(api, 'alice', 'Al1cePassw0rd');
    for (const [method, path] of [['GET', '/api/v1/users'], ['POST', '/api/v1/users'], ['GET', `/api/v1/users/${aliceId}`], ['PATCH', `/api/v1/users/${aliceId}`], ['DELETE', `/api/v1/users/${aliceId}`], ['POST', `/api/v1/users/${aliceId}/actions/reset-password`], ['PATCH', '/api/v1/settings/security']]) {
      const res = await api.call(method, path, { headers: alice.headers, token: null, json: method === 'GET' ? undefined : {} });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(((await res.json()) as Problem).code, 'forbidden');
    }
    const me = (await (await api.call('GET', '/api/v1/session', { headers: { cookie: alice.cookie }, token: null })).json()) as { user: Record<string, unknown> };
    assert.equal(me.user.displayName, 'Alice A');
    assert.equal(me.user.email, 'alice@example.org');
    assert.equal(me.user.passwordHash, undefined);
    const byToken = (await (await api.call('GET', '/api/v1/session')).json()) as { user: { username: string } };
    assert.equal(byToken.user.username, 'admin');
  });

  test('PATCH changes display name, e-mail and role; bad e-mail is 400', async () => {
    const res = await api.call('PATCH', `/api/v1/users/${aliceId}`, { json: { displayName: 'Alice B', email: '', role: 'admin' } });
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { displayName: string; email: string; role: string }).role, 'admin');
    assert.equal(api.services.users.get(aliceId).displayName, 'Alice B');
    const bad = await api.call('PATCH', `/api/v1/users/${aliceId}`, { json: { email: 'not-an-address' } });
    assert.equal(bad.status, 400);
    assert.equal((await api.call('PATCH', `/api/v1/users/${aliceId}`, { json: { role: 'user' } })).status, 200);
  });

  test('a disabled user cannot log in, and their sessions and tokens stop at once; enabling lets them back', async () => {
    const alice = await login(api, 'alice', 'Al1cePassw0rd');
    const tok = await api.call('POST', '/api/v1/tokens', { json: { name: 'alice-ci' }, headers: alice.headers, token: null });
    const { token } = (await tok.json()) as { token: string };
    assert.equal((await api.call('GET', '/api/v1/tokens', { token })).status, 200);
    assert.equal((await api.call('PATCH', `/api/v1/users/${aliceId}`, { json: { disabled: true } })).status, 200);
    assert.equal((await api.call('GET', '/api/v1/tokens', { headers: { cookie: alice.cookie }, token: null })).status, 401);
    const byToken = await api.call('GET', '/api/v1/tokens', { token });
    assert.equal(byToken.status, 401);
    assert.equal(((await byToken.json()) as Problem).code, 'invalid_token');
    const again = await api.call('POST', '/api/v1/sessions', { json: { username: 'alice', password: 'Al1cePassw0rd' }, token: null });
    assert.equal(again.status, 403);
    assert.equal(((await again.json()) as Problem).code, 'account_disabled');
    const failed = api.services.audit.list({ action: 'login_failed' }).items[0];
    assert.match(failed.detail, /username=alice .*reason=disabled/);
    assert.equal(failed.result, 'failed');
    assert.equal((await api.call('PATCH', `/api/v1/users/${aliceId}`, { json: { disabled: false } })).status, 200);
    assert.equal((await api.call('GET', '/api/v1/tokens', { token })).status, 200, 'the token works again once enabled');
  });

  test('refusals: deleting or disabling yourself (user_is_self), removing the last enabled admin (last_admin)', async () => {
    const self = await api.call('DELETE', `/api/v1/users/${api.admin.userId}`);
    assert.equal(self.status, 409);
    assert.equal(((await self.json()) as Problem).code, 'user_is_self');
    const selfDisable = await api.call('PATCH', `/api/v1/users/${api.admin.userId}`, { json: { disabled: true } });
    assert.equal(selfDisable.status, 409);
    assert.equal(((await selfDisable.json()) as Problem).code, 'user_is_self');
    // With alice an admin too, disabling her ends her session; re-enabled, she logs in again.
    await api.call('PATCH', `/api/v1/users/${aliceId}`, { json: { role: 'admin' } });
    const alice = await login(api, 'alice', 'Al1cePassw0rd');
    await api.call('PATCH', `/api/v1/users/${aliceId}`, { json: { disabled: true } });
    await api.call('PATCH', `/api/v1/users/${aliceId}`, { json: { disabled: false } });
    const again = await login(api, 'alice', 'Al1cePassw0rd');
    assert.equal((await api.call('GET', '/api/v1/users', { headers: { cookie: alice.cookie }, token: null })).status, 401, 'disabling ended the older session');
    // Alice demotes the first admin (another admin remains: allowed); alice is then the last enabled admin and can be neither demoted nor deleted.
    const demoteAdmin = await api.call('PATCH', `/api/v1/users/${api.admin.userId}`, { json: { role: 'user' }, headers: again.headers, token: null });
    assert.equal(demoteAdmin.status, 200);
    const lastDelete = api.services.users;
    assert.throws(() => lastDelete.delete(aliceId, { ...api.admin, role: 'admin' }), (e: Error & { code?: string }) => e.code === 'last_admin');
    assert.throws(() => lastDelete.update(aliceId, { role: 'user' }, { ...api.admin, role: 'admin' }), (e: Error & { code?: string }) => e.code === 'last_admin');
    const restore = await api.call('PATCH', `/api/v1/users/${api.admin.userId}`, { json: { role: 'admin' }, headers: again.headers, token: null });
    assert.equal(restore.status, 200);
  });

  test('deleting a user ends their sessions and tokens; what they made stays in the audit log; 404 afterwards', async () => {
    const made = await api.call('POST', '/api/v1/users', { json: { username: 'dave', password: 'Dav3Password', role: 'user' } });
    const daveId = ((await made.json()) as { id: string }).id;
    const dave = await login(api, 'dave', 'Dav3Password');
    const tok = (await (await api.call('POST', '/api/v1/tokens', { json: { name: 'd' }, headers: dave.headers, token: null })).json()) as { token: string };
    assert.equal((await api.call('DELETE', `/api/v1/users/${daveId}`)).status, 204);
    assert.equal((await api.call('GET', '/api/v1/instances', { headers: { cookie: dave.cookie }, token: null })).status, 401);
    assert.equal((await api.call('GET', '/api/v1/instances', { token: tok.token })).status, 401);
    assert.equal((await api.call('GET', `/api/v1/users/${daveId}`)).status, 404);
    assert.ok(api.services.audit.list({ user: 'dave' }).items.some((e) => e.action === 'create' && e.targetType === 'api_token'));
    const entry = api.services.audit.list({ action: 'user.delete' }).items[0];
    assert.equal(entry.targetId, daveId);
    assert.equal(entry.username, 'admin');
    assert.ok(entry.requestId, 'the request id is kept');
  });

  test('change your own password: wrong current is 403 current_password_wrong; other sessions end, this one stays', async () => {
    const first = await login(api, 'alice', 'Al1cePassw0rd');
    const second = await login(api, 'alice', 'Al1cePassw0rd');
    const wrong = await api.call('POST', '/api/v1/session/password', { json: { currentPassword: 'Nope12345', newPassword: 'N3wAlicePass' }, headers: second.headers, token: null });
    assert.equal(wrong.status, 403);
    assert.equal(((await wrong.json()) as Problem).code, 'current_password_wrong');
    const weak = await api.call('POST', '/api/v1/session/password', { json: { currentPassword: 'Al1cePassw0rd', newPassword: 'short' }, headers: second.headers, token: null });
    assert.equal(weak.status, 400);
    assert.equal(((await weak.json()) as Problem).code, 'password_too_weak');
    const ok = await api.call('POST', '/api/v1/session/password', { json: { currentPassword: 'Al1cePassw0rd', newPassword: 'N3wAlicePass' }, headers: second.headers, token: null });
    assert.equal(ok.status, 204);
    assert.equal((await api.call('GET', '/api/v1/instances', { headers: { cookie: first.cookie }, token: null })).status, 401, 'the other session ended');
    assert.equal((await api.call('GET', '/api/v1/instances', { headers: { cookie: second.cookie }, token: null })).status, 200, 'this session stays');
    const old = await api.call('POST', '/api/v1/sessions', { json: { username: 'alice', password: 'Al1cePassw0rd' }, token: null });
    assert.equal(old.status, 401);
    await login(api, 'alice', 'N3wAlicePass');
  });

  test('an admin resets a password: every session of that user ends, the new password works', async () => {
    const alice = await login(api, 'alice', 'N3wAlicePass');
    const weak = await api.call('POST', `/api/v1/users/${aliceId}/actions/reset-password`, { json: { newPassword: 'weak' } });
    assert.equal(((await weak.json()) as Problem).code, 'password_too_weak');
    assert.equal((await api.call('POST', `/api/v1/users/${aliceId}/actions/reset-password`, { json: { newPassword: 'R3setAlice99' } })).status, 204);
    assert.equal((await api.call('GET', '/api/v1/instances', { headers: { cookie: alice.cookie }, token: null })).status, 401);
    await login(api, 'alice', 'R3setAlice99');
    assert.equal(api.services.audit.list({ action: 'user.reset_password' }).items[0].targetId, aliceId);
  });
});
