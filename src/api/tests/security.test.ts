import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { hostname } from 'node:os';
import { after, before, describe, mock, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { apiTokens, sessions } from '../../db/schema.js';
import { interfaceAddresses } from '../../lib/host-names.js';
import { createApp } from '../app.js';
import { contentSecurityPolicy, inlineScriptHashes } from '../security-headers.js';
import { ADMIN, startTestApi, type TestApi } from '../test-harness.js';

const code = async (res: Response) => ((await res.json()) as { code: string }).code;

describe('first-run setup is safe from strangers', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ trustProxy: true });
  });
  after(() => api.close());

  const setupFrom = (ip: string, setupCode: string | undefined) =>
    api.call('POST', '/api/v1/setup', { json: { ...ADMIN, setupCode }, headers: { 'x-forwarded-for': ip } });

  test('wrong setup codes are rate-limited per address (then even the right one waits); other addresses are not', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await setupFrom('198.51.100.7', 'WRONG-CODE')).status, 403);
    const limited = await setupFrom('198.51.100.7', api.setupCode);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // IPv6 clients count per /64: another address in the same /64 is the same client.
    for (let i = 0; i < 5; i++) assert.equal((await setupFrom(`2001:db8:5:6::${i + 1}`, 'WRONG-CODE')).status, 403);
    assert.equal((await setupFrom('2001:db8:5:6::99', api.setupCode)).status, 429);
    assert.equal((await setupFrom('198.51.100.8', api.setupCode)).status, 201);
  });

  test('once done, setup answers 409 before hashing any password', async () => {
    const scrypt = mock.method(crypto, 'scrypt');
    syncBuiltinESMExports(); // the password module's `import { scrypt }` now sees the mock
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => setupFrom(`203.0.113.${i}`, 'ANY-CODE')));
      assert.deepEqual(new Set(results.map((r) => r.status)), new Set([409]));
      assert.equal(scrypt.mock.callCount(), 0);
    } finally {
      scrypt.mock.restore();
      syncBuiltinESMExports();
    }
  });
});

describe('requests a web page could forge', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.close());

  test('a JSON body must be exactly application/json: a CORS-safelisted type is 415', async () => {
    const body = JSON.stringify({ ...ADMIN, setupCode: api.setupCode });
    for (const type of ['text/plain; x=application/json', 'text/plain;charset=utf-8', 'application/x-www-form-urlencoded; a=application/json', 'application/jsonx']) {
      for (const path of ['/api/v1/setup', '/api/v1/sessions']) {
        const res = await api.call('POST', path, { body, headers: { 'content-type': type } });
        assert.equal(res.status, 415, `${path} ${type}`);
        assert.equal(await code(res), 'unsupported_media_type');
      }
    }
    assert.equal(api.services.auth.isSetupNeeded(), true);
    const ok = await api.call('POST', '/api/v1/setup', { body, headers: { 'content-type': 'Application/JSON; charset=utf-8' } });
    assert.equal(ok.status, 201);
  });

  test('a Host header that is not one of this server\'s names is 421 misdirected_request (DNS rebinding)', async () => {
    for (const host of ['evil.example', 'evil.example:5870', 'localhost.evil.example', '127.0.0.1.nip.io', '[::2]:5870', 'a b']) {
      const res = await api.call('GET', '/api/v1/health', { headers: { host } });
      assert.equal(res.status, 421, host);
      assert.equal(await code(res), 'misdirected_request');
    }
    const own = ['localhost', 'LOCALHOST:5870', '127.0.0.1:5870', '[::1]:5870', '[0:0:0:0:0:0:0:1]', `${hostname()}:5870`, ...interfaceAddresses().map((a) => (a.includes(':') ? `[${a}]` : a))];
    for (const host of own) assert.equal((await api.call('GET', '/api/v1/health', { headers: { host } })).status, 200, host);
  });

  test('--public-url adds its host', async () => {
    const app = createApp(api.services, { version: 't', allowsHost: (h) => h === 'cloud.example.com' });
    assert.equal((await app.request('/api/v1/health', { headers: { host: 'cloud.example.com' } })).status, 200);
    assert.equal((await app.request('/api/v1/health', { headers: { host: 'localhost' } })).status, 421);
  });

  test('UI and API responses carry CSP (self, frame-ancestors none), nosniff and a Referrer-Policy', async () => {
    const html = readFileSync(new URL('../../ui/index.html', import.meta.url), 'utf8');
    const app = createApp(api.services, { version: 't', readAsset: (key) => (key === 'ui/index.html' ? Buffer.from(html) : undefined) });
    for (const path of ['/', '/api/v1/health', '/api/v1/instances', '/api/v1/nothing']) {
      const res = await app.request(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]{44}'(;|$)/, path);
      assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(res.headers.get('referrer-policy'), 'same-origin', path);
    }
    // The hash allows exactly index.html's inline script: the page still runs under the policy.
    const [hash] = inlineScriptHashes(html);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
    assert.equal(hash, `'sha256-${crypto.createHash('sha256').update(script).digest('base64')}'`);
    assert.ok(contentSecurityPolicy([hash]).includes(hash));
  });
});

describe('session cookies and token bookkeeping', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  const login = (url: string, headers: Record<string, string> = {}, app = api.app) =>
    app.request(url, { method: 'POST', body: JSON.stringify(ADMIN), headers: { 'content-type': 'application/json', ...headers } });

  test('over HTTPS the cookie is __Host-onebox_session, Secure, Path=/, no Domain; a plain-named cookie is not accepted there', async () => {
    const res = await login('https://localhost/api/v1/sessions');
    assert.equal(res.status, 201);
    const setCookie = res.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^__Host-onebox_session=[^;]+; /);
    assert.match(setCookie, /; Secure/);
    assert.match(setCookie, /; Path=\//);
    assert.match(setCookie, /; HttpOnly/);
    assert.doesNotMatch(setCookie, /Domain=/i);
    const value = setCookie.split(';')[0].split('=')[1];
    assert.equal((await api.app.request('https://localhost/api/v1/instances', { headers: { cookie: `__Host-onebox_session=${value}` } })).status, 200);
    assert.equal((await api.app.request('https://localhost/api/v1/instances', { headers: { cookie: `onebox_session=${value}` } })).status, 401);
  });

  test('x-forwarded-proto counts only with --trust-proxy', async () => {
    const plain = (await login('http://localhost/api/v1/sessions', { 'x-forwarded-proto': 'https' })).headers.get('set-cookie') ?? '';
    assert.match(plain, /^onebox_session=/);
    assert.doesNotMatch(plain, /Secure/);
    const proxied = createApp(api.services, { version: 't', trustProxy: true });
    const behind = (await login('http://localhost/api/v1/sessions', { 'x-forwarded-proto': 'https' }, proxied)).headers.get('set-cookie') ?? '';
    assert.match(behind, /^__Host-onebox_session=.*; Secure/);
  });

  test('expired sessions are deleted at login', async () => {
    const userId = api.db.select().from(apiTokens).get()!.userId;
    api.db.insert(sessions).values({ id: 'ses_old', tokenHash: 'x'.repeat(64), userId, csrfToken: 'c', expiresAt: new Date(Date.now() - 1000).toISOString() }).run();
    assert.equal((await login('/api/v1/sessions')).status, 201);
    assert.equal(api.db.select().from(sessions).where(eq(sessions.id, 'ses_old')).get(), undefined);
    assert.ok(api.db.select().from(sessions).all().length > 0, 'live sessions stay');
    api.db.insert(sessions).values({ id: 'ses_old2', tokenHash: 'y'.repeat(64), userId, csrfToken: 'c', expiresAt: new Date(Date.now() - 1000).toISOString() }).run();
    assert.equal(api.services.auth.pruneExpiredSessions(), 1);
  });

  test('an API token\'s lastUsedAt is written at most once a minute, by the flush, not per request', async () => {
    const row = () => api.db.select().from(apiTokens).get()!;
    api.services.auth.flushTokenUse();
    api.db.update(apiTokens).set({ lastUsedAt: null }).where(eq(apiTokens.id, row().id)).run();
    assert.equal((await api.call('GET', '/api/v1/instances')).status, 200);
    assert.equal(row().lastUsedAt, null, 'no write during the request');
    assert.equal(api.services.auth.flushTokenUse(), 1);
    assert.ok(Math.abs(Date.parse(row().lastUsedAt!) - Date.now()) < 10_000, 'recorded by the flush');
    const recent = new Date(Date.now() - 30_000).toISOString();
    api.db.update(apiTokens).set({ lastUsedAt: recent }).where(eq(apiTokens.id, row().id)).run();
    for (let i = 0; i < 3; i++) assert.equal((await api.call('GET', '/api/v1/instances')).status, 200);
    api.services.auth.flushTokenUse();
    assert.equal(row().lastUsedAt, recent, 'used 30 s ago: not written again');
    const old = new Date(Date.now() - 61_000).toISOString();
    api.db.update(apiTokens).set({ lastUsedAt: old }).where(eq(apiTokens.id, row().id)).run();
    await api.call('GET', '/api/v1/instances');
    assert.equal(row().lastUsedAt, old, 'not written by the request itself');
    assert.equal(api.services.auth.flushTokenUse(), 1);
    assert.ok(Date.parse(row().lastUsedAt!) > Date.parse(old) + 60_000, 'a minute later it is written by the flush');
  });
});
