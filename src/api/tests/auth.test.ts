import { randomBytes, scryptSync } from 'node:crypto';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { users } from '../../db/schema.js';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ADMIN, startTestApi, type TestApi } from '../test-harness.js';
import { passwordHashParameters } from '../../services/passwords.js';

describe('setup, login, sessions and API tokens', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.close());

  test('first run needs setup; weak passwords are refused with password_too_weak', async () => {
    assert.deepEqual(await (await api.call('GET', '/api/v1/setup')).json(), { needed: true });
    for (const password of ['short1A', 'alllowercase1', 'ALLUPPERCASE1', 'NoDigitsHere']) {
      const res = await api.call('POST', '/api/v1/setup', { json: { username: 'admin', password, setupCode: api.setupCode } });
      assert.equal(res.status, 400, password);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      const body = (await res.json()) as { code: string; errors: { field: string }[] };
      assert.equal(body.code, 'password_too_weak');
      assert.equal(body.errors[0].field, 'password');
    }
  });

  test('setup needs the setup code: missing or wrong is 403 setup_code_invalid', async () => {
    assert.match(api.setupCode ?? '', /^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    assert.equal(statSync(join(api.dataDir, 'setup-code')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(api.dataDir, 'setup-code'), 'utf8').trim(), api.setupCode);
    for (const setupCode of [undefined, '', 'AAAAA-BBBBB-CCCCC-DDDDD', `${api.setupCode}X`]) {
      const res = await api.call('POST', '/api/v1/setup', { json: { ...ADMIN, setupCode }, headers: { 'x-forwarded-for': '192.0.2.1' } });
      assert.equal(res.status, 403, String(setupCode));
      assert.equal(((await res.json()) as { code: string }).code, 'setup_code_invalid');
    }
    assert.equal(api.services.auth.isSetupNeeded(), true);
  });

  test('creating the admin works once, with the code (any case, dashes optional); the code file goes', async () => {
    const code = api.setupCode!.toLowerCase().replace(/-/g, '');
    const res = await api.call('POST', '/api/v1/setup', { json: { ...ADMIN, setupCode: code } });
    assert.equal(res.status, 201);
    const user = (await res.json()) as Record<string, unknown>;
    assert.equal(user.username, 'admin');
    assert.equal(user.passwordHash, undefined);
    assert.equal(existsSync(join(api.dataDir, 'setup-code')), false, 'the setup code is deleted once the admin exists');
    const again = await api.call('POST', '/api/v1/setup', { json: { username: 'other', password: 'An0therPass', setupCode: api.setupCode } });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { code: string }).code, 'setup_already_done');
  });

  test('API routes need credentials', async () => {
    const res = await api.call('GET', '/api/v1/instances');
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { code: string }).code, 'unauthenticated');
  });

  test('login sets an HttpOnly SameSite cookie; unsafe requests need the CSRF token', async () => {
    const login = await api.call('POST', '/api/v1/sessions', { json: ADMIN });
    assert.equal(login.status, 201);
    const setCookie = login.headers.get('set-cookie')!;
    assert.match(setCookie, /onebox_session=/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = setCookie.split(';')[0];
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    assert.equal((await api.call('GET', '/api/v1/instances', { headers: { cookie } })).status, 200);
    const noCsrf = await api.call('POST', '/api/v1/tokens', { json: { name: 'x' }, headers: { cookie } });
    assert.equal(noCsrf.status, 403);
    assert.equal(((await noCsrf.json()) as { code: string }).code, 'csrf_token_invalid');
    const session = await api.call('GET', '/api/v1/session', { headers: { cookie } });
    assert.equal(((await session.json()) as { csrfToken: string }).csrfToken, csrfToken);
    const created = await api.call('POST', '/api/v1/tokens', { json: { name: 'ci' }, headers: { cookie, 'x-csrf-token': csrfToken } });
    assert.equal(created.status, 201);
    const { token, id } = (await created.json()) as { token: string; id: string };
    assert.match(token, /^obt_/);
    assert.equal((await api.call('GET', '/api/v1/instances', { token })).status, 200);
    const list = (await (await api.call('GET', '/api/v1/tokens', { token })).json()) as { items: Record<string, unknown>[] };
    assert.ok(list.items.every((t) => t.token === undefined && t.tokenHash === undefined));
    assert.equal((await api.call('DELETE', `/api/v1/tokens/${id}`, { token })).status, 204);
    const revoked = await api.call('GET', '/api/v1/instances', { token });
    assert.equal(revoked.status, 401);
    assert.equal(((await revoked.json()) as { code: string }).code, 'invalid_token');
    assert.equal((await api.call('DELETE', '/api/v1/session', { headers: { cookie } })).status, 204);
    assert.equal((await api.call('GET', '/api/v1/instances', { headers: { cookie } })).status, 401);
  });

  test('a password hashed with older scrypt parameters is rehashed with the current ones at login, and still works', async () => {
    const salt = randomBytes(16);
    const old = ['scrypt', 2 ** 14, 8, 1, salt.toString('base64url'), scryptSync(ADMIN.password, salt, 32, { N: 2 ** 14, r: 8, p: 1 }).toString('base64url')].join('$');
    api.db.update(users).set({ passwordHash: old }).where(eq(users.username, ADMIN.username)).run();
    assert.equal((await api.call('POST', '/api/v1/sessions', { json: ADMIN })).status, 201);
    const now = api.db.select().from(users).where(eq(users.username, ADMIN.username)).get()!.passwordHash;
    assert.ok(now.startsWith(passwordHashParameters()), `${now} is made with the current parameters`);
    assert.equal((await api.call('POST', '/api/v1/sessions', { json: ADMIN })).status, 201);
  });

  test('wrong passwords are refused, then rate-limited, and logged in the audit log', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await api.call('POST', '/api/v1/sessions', { json: { username: 'admin', password: 'Wrong1234' } });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { code: string }).code, 'invalid_credentials');
    }
    const limited = await api.call('POST', '/api/v1/sessions', { json: ADMIN });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    const failures = api.services.audit.list().items.filter((e) => e.action === 'login_failed');
    assert.equal(failures.length, 5);
  });

  test('behind a trusted proxy, each client is limited by its own address, and the audit log shows it', async () => {
    const proxied = await startTestApi({ trustProxy: true });
    try {
      await proxied.call('POST', '/api/v1/setup', { json: { ...ADMIN, setupCode: proxied.setupCode } });
      const attempt = (ip: string, password: string) =>
        proxied.call('POST', '/api/v1/sessions', { json: { username: 'admin', password }, headers: { 'x-forwarded-for': `6.6.6.6, ${ip}` } });
      for (let i = 0; i < 5; i++) assert.equal((await attempt('192.0.2.7', 'Wrong1234')).status, 401);
      assert.equal((await attempt('192.0.2.7', ADMIN.password)).status, 429);
      assert.equal((await attempt('192.0.2.8', ADMIN.password)).status, 201, 'another client behind the same proxy is not locked out');
      const failed = proxied.services.audit.list().items.find((e) => e.action === 'login_failed')!;
      assert.match(failed.detail, /ip=192\.0\.2\.7/);
    } finally {
      await proxied.close();
    }
  });

  test('parallel guesses are limited too', async () => {
    const fresh = await startTestApi();
    try {
      await fresh.call('POST', '/api/v1/setup', { json: { ...ADMIN, setupCode: fresh.setupCode } });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => fresh.call('POST', '/api/v1/sessions', { json: { username: 'admin', password: 'Wrong1234' } })),
      );
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 401).length, 5, statuses.join(','));
      assert.equal(statuses.filter((s) => s === 429).length, 15);
    } finally {
      await fresh.close();
    }
  });
});
