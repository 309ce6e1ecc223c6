/**
 * The permission matrix: for every route in the route table and every kind of caller, the
 * status the API must answer. Generated from ROUTE_PERMISSIONS and the built-in roles; the
 * expectation of each caller class is spelled out once below.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LIST_ROUTES, PUBLIC_ROUTES, ROUTE_PERMISSIONS, resourceOf, type RouteRule } from '../route-permissions.js';
import { BUILT_IN_ROLES, type Permission } from '../../shared/permissions.js';
import { ADMIN, startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, tinyIso, tinyQcow2 } from './fixtures.js';
import { addGroup, addPrincipal, expiredSessionCookie, expiredToken, revokedToken } from './principals.js';

type Expect = 'allowed' | 401 | 403 | 404;
interface Caller {
  name: string;
  headers: () => Record<string, string>;
  expect: (rule: RouteRule, scoped: boolean, key: string) => Expect;
}

const holds = (role: keyof typeof BUILT_IN_ROLES, rule: RouteRule) => rule === 'authenticated' || (BUILT_IN_ROLES[role] as readonly Permission[]).includes(rule);

describe('permission matrix', () => {
  let api: TestApi;
  let callers: Caller[];
  const ids: Record<string, string> = {};

  before(async () => {
    api = await startTestApi();
    const adminToken = await api.bootstrap();
    const groupA = addGroup(api, 'team-a');
    const groupB = addGroup(api, 'team-b');
    const operator = addPrincipal(api, 'op-a', [{ groupId: groupA, role: 'operator' }]);
    const outsider = addPrincipal(api, 'op-b', [{ groupId: groupB, role: 'operator' }]);
    const viewer = addPrincipal(api, 'viewer-a', [{ groupId: groupA, role: 'viewer' }]);
    const loner = addPrincipal(api, 'no-group', []);
    ids.instance = (await createInstance(api, instanceBody('ia', { groupId: groupA }))).instance.id;
    const image = await api.call('POST', `/api/v1/images?name=img-a&groupId=${groupA}`, { body: tinyQcow2() });
    assert.equal(image.status, 201);
    ids.image = (await json(image)).id;
    const iso = await api.call('POST', `/api/v1/media?name=iso-a&groupId=${groupA}`, { body: tinyIso() });
    assert.equal(iso.status, 201);
    ids.media = (await json(iso)).id;
    const expired = await expiredSessionCookie(api, ADMIN);
    const revoked = revokedToken(api, api.admin);
    const lapsed = expiredToken(api, api.admin);
    const bearer = (token: string) => () => ({ authorization: `Bearer ${token}` });
    callers = [
      { name: 'anonymous', headers: () => ({}), expect: () => 401 },
      { name: 'expired session', headers: () => ({ cookie: expired, 'x-csrf-token': 'x' }), expect: () => 401 },
      { name: 'revoked token', headers: bearer(revoked), expect: () => 401 },
      { name: 'expired token', headers: bearer(lapsed), expect: () => 401 },
      { name: 'viewer in the group', headers: bearer(viewer.token), expect: (rule) => (holds('viewer', rule) ? 'allowed' : 403) },
      // Lists answer (empty) and group-owned resources are missing; everything else needs a permission they hold nowhere.
      { name: 'user in no group', headers: bearer(loner.token), expect: (rule, scoped, key) => (rule === 'authenticated' || LIST_ROUTES.has(key) ? 'allowed' : scoped ? 404 : 403) },
      { name: 'operator outside the group', headers: bearer(outsider.token), expect: (rule, scoped) => (scoped ? 404 : holds('operator', rule) ? 'allowed' : 403) },
      { name: 'operator in the group', headers: bearer(operator.token), expect: (rule) => (holds('operator', rule) ? 'allowed' : 403) },
      { name: 'admin', headers: bearer(adminToken), expect: () => 'allowed' },
    ];
  });
  after(() => api.close());

  /** A concrete URL for a route path: the group's instance, image and ISO for their `:id`, placeholders elsewhere. */
  function urlOf(path: string): string {
    const scope = resourceOf(path);
    return path
      .replace(':id', scope ? ids[scope.kind] : 'nothing')
      .replace(':action', 'reboot')
      .replace(/:[A-Za-z]+/g, 'nothing');
  }

  const routes = () =>
    Object.entries(ROUTE_PERMISSIONS)
      .map(([key, rule]) => {
        const [method, path] = key.split(' ');
        return { key, method, path, rule, scoped: resourceOf(path) !== undefined };
      })
      // Deletions last, so the group's resources exist for every other route.
      .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

  async function probe(method: string, path: string, headers: Record<string, string>) {
    const res = await api.app.request(urlOf(path), { method, headers });
    const body = res.headers.get('content-type')?.includes('json') ? await res.json().catch(() => ({})) : (await res.body?.cancel(), {});
    return { status: res.status, code: (body as { code?: string }).code, detail: (body as { detail?: string }).detail };
  }

  test('every refusal: 401 without valid credentials, 403 naming the permission, 404 for another group’s resource', async () => {
    // Refusals change nothing, so they all run before any call that is let through.
    let checked = 0;
    for (const route of routes()) {
      for (const caller of callers) {
        const expected = caller.expect(route.rule, route.scoped, route.key);
        if (expected === 'allowed') continue;
        const got = await probe(route.method, route.path, caller.headers());
        assert.equal(got.status, expected, `${caller.name}: ${route.key} answered ${got.status} ${got.code}, expected ${expected}`);
        if (expected === 403) {
          assert.equal(got.code, 'forbidden', `${caller.name}: ${route.key}`);
          assert.ok(got.detail?.includes(route.rule), `${caller.name}: ${route.key}: '${got.detail}' should name ${route.rule}`);
        }
        if (expected === 404) assert.match(got.code ?? '', /_not_found$/, `${caller.name}: ${route.key}`);
        checked++;
      }
    }
    assert.ok(checked > 300, `only ${checked} refusals checked`);
  });

  test('every call a caller may make gets past the permission check (no 401, no 403)', async () => {
    let checked = 0;
    for (const route of routes()) {
      for (const caller of callers) {
        if (caller.expect(route.rule, route.scoped, route.key) !== 'allowed') continue;
        const got = await probe(route.method, route.path, caller.headers());
        assert.ok(got.status !== 401 && got.status !== 403, `${caller.name}: ${route.key} answered ${got.status} ${got.code}: ${got.detail}`);
        checked++;
      }
    }
    assert.ok(checked > 200, `only ${checked} allowed calls checked`);
  });
});

describe('route table', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.close());

  test('every route of the app is in the permission table or on the short public list, and the table names only real routes', () => {
    const routes = new Set(api.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
    const missing = [...routes].filter((key) => !(key in ROUTE_PERMISSIONS) && !PUBLIC_ROUTES.includes(key));
    assert.deepEqual(missing, [], 'routes with no permission rule');
    const stale = [...Object.keys(ROUTE_PERMISSIONS), ...PUBLIC_ROUTES, ...LIST_ROUTES].filter((key) => !routes.has(key));
    assert.deepEqual(stale, [], 'rules for routes that do not exist');
    assert.ok(PUBLIC_ROUTES.length <= 9, 'the public list stays short');
  });
});
