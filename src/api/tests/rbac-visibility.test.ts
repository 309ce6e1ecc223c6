/**
 * Visibility and group ownership: members see their groups' resources (only their own where
 * the group says so), another group's resource is a 404 even by id, viewers get no console,
 * creates land in the caller's group, API tokens can be narrower but never wider.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { operations, roles, users } from '../../db/schema.js';
import { hashPassword } from '../../services/passwords.js';
import { DEFAULT_GROUP_ID } from '../../shared/permissions.js';
import { ADMIN, startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, tinyIso, tinyQcow2, waitOperation } from './fixtures.js';
import { addGroup, addPrincipal, type TestPrincipal } from './principals.js';

describe('groups, visibility and enforcement', () => {
  let api: TestApi;
  let groupA: string;
  let groupB: string;
  let opA: TestPrincipal;
  let opB: TestPrincipal;
  let viewerA: TestPrincipal;
  const ids: Record<string, string> = {};

  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    groupA = addGroup(api, 'team-a');
    groupB = addGroup(api, 'team-b');
    opA = addPrincipal(api, 'op-a', [{ groupId: groupA, role: 'operator' }]);
    opB = addPrincipal(api, 'op-b', [{ groupId: groupB, role: 'operator' }]);
    viewerA = addPrincipal(api, 'viewer-a', [{ groupId: groupA, role: 'viewer' }]);
    ids.a = (await createInstance(api, instanceBody('in-a', { groupId: 'team-a' }))).instance.id;
    ids.b = (await createInstance(api, instanceBody('in-b', { groupId: groupB }))).instance.id;
    ids.default = (await createInstance(api, instanceBody('in-default'))).instance.id;
  });
  after(() => api.close());

  const names = async (res: Response) => ((await json(res)).items as { name: string }[]).map((i) => i.name).sort();

  test('the first admin belongs to the default group, which owns what is made without a group', async () => {
    assert.equal(api.services.instances.get(ids.default).groupId, DEFAULT_GROUP_ID);
    const members = await json(await api.call('GET', `/api/v1/groups/${DEFAULT_GROUP_ID}/members`));
    assert.deepEqual(members.items.map((m: { username: string; role: string }) => [m.username, m.role]), [[ADMIN.username, 'admin']]);
  });

  test('an operator lists only their groups’ instances; the admin lists all', async () => {
    assert.deepEqual(await names(await api.call('GET', '/api/v1/instances', { token: opA.token })), ['in-a']);
    assert.deepEqual(await names(await api.call('GET', '/api/v1/instances', { token: opB.token })), ['in-b']);
    assert.deepEqual(await names(await api.call('GET', '/api/v1/instances')), ['in-a', 'in-b', 'in-default']);
    const exported = await (await api.call('GET', '/api/v1/instances/export', { token: opA.token })).text();
    assert.deepEqual(exported.trim().split('\n').map((l) => JSON.parse(l).name), ['in-a']);
  });

  test('an operator cannot see or act on another group’s instance even knowing its id: 404, as for a missing one', async () => {
    for (const [method, path] of [['GET', `/api/v1/instances/${ids.b}`], ['POST', `/api/v1/instances/${ids.b}/actions/start`], ['DELETE', `/api/v1/instances/${ids.b}`], ['GET', '/api/v1/instances/in-b']] as const) {
      const res = await api.call(method, path, { token: opA.token });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal((await json(res)).code, 'instance_not_found');
    }
    assert.equal(api.services.instances.get(ids.b).state, 'stopped');
    const batch = await api.call('POST', '/api/v1/instances/batch', { token: opA.token, json: { action: 'start', ids: [ids.a, ids.b] } });
    assert.equal(batch.status, 404);
  });

  test('a viewer reads but cannot act or open a console (403 naming the permission)', async () => {
    assert.equal((await api.call('GET', `/api/v1/instances/${ids.a}`, { token: viewerA.token })).status, 200);
    const start = await api.call('POST', `/api/v1/instances/${ids.a}/actions/start`, { token: viewerA.token });
    assert.equal(start.status, 403);
    assert.match((await json(start)).detail, /instances\.power/);
    await api.call('POST', `/api/v1/instances/${ids.a}/actions/start`, { token: opA.token });
    const ticket = await api.call('POST', `/api/v1/instances/${ids.a}/console-tokens`, { token: viewerA.token, json: { kind: 'serial' } });
    assert.equal(ticket.status, 403);
    assert.match((await json(ticket)).detail, /instances\.console/);
    assert.equal((await api.call('GET', `/api/v1/instances/${ids.a}/vnc`, { token: viewerA.token })).status, 403);
    const socket = await api.call('GET', '/api/v1/console/ws?token=x', { token: viewerA.token, headers: { upgrade: 'websocket' } });
    assert.equal(socket.status, 403);
    const opTicket = await api.call('POST', `/api/v1/instances/${ids.a}/console-tokens`, { token: opA.token, json: { kind: 'serial' } });
    assert.equal(opTicket.status, 201);
  });

  test('creates go to the caller’s only group, or the one named; not to a group they are not in, nor where they lack the right', async () => {
    const { instance, operation } = await createInstance({ ...api, call: (m, p, o) => api.call(m, p, { ...o, token: opA.token }) }, instanceBody('made-by-a'));
    assert.equal(operation.state, 'succeeded');
    const row = api.services.instances.get(instance.id);
    assert.deepEqual([row.groupId, row.createdBy], [groupA, opA.actor.userId]);
    const elsewhere = await api.call('POST', '/api/v1/instances', { token: opA.token, json: instanceBody('x1', { groupId: groupB }) });
    assert.equal(elsewhere.status, 404);
    assert.equal((await json(elsewhere)).code, 'group_not_found');
    const viewerCreate = await api.call('POST', '/api/v1/instances', { token: viewerA.token, json: instanceBody('x2') });
    assert.equal(viewerCreate.status, 403);
    // An image of group B is not visible to A's operator, so it cannot be used for a disk either.
    const imageB = await json(await api.call('POST', `/api/v1/images?name=img-b&groupId=${groupB}`, { body: tinyQcow2() }));
    const fromB = await api.call('POST', '/api/v1/instances', { token: opA.token, json: instanceBody('x3', { disk: { source: 'image', imageId: imageB.id } }) });
    assert.equal(fromB.status, 404);
    assert.equal((await json(fromB)).code, 'image_not_found');
  });

  test('operations on another group’s instances are not listed, nor shown by id', async () => {
    const ops = (await json(await api.call('GET', '/api/v1/operations?limit=200', { token: opA.token }))).items as { targetId: string; id: string }[];
    assert.ok(ops.some((o) => o.targetId === ids.a));
    assert.ok(!ops.some((o) => o.targetId === ids.b || o.targetId === ids.default));
    const all = (await json(await api.call('GET', '/api/v1/operations?limit=200'))).items as { targetId: string; id: string }[];
    const opOfB = all.find((o) => o.targetId === ids.b)!;
    assert.equal((await api.call('GET', `/api/v1/operations/${opOfB.id}`, { token: opA.token })).status, 404);
    assert.equal((await api.call('GET', `/api/v1/operations/${opOfB.id}`, { token: opB.token })).status, 200);
  });

  test('operations are paged over the visible ones: full pages and a right cursor with many invisible ones between', async () => {
    // 7 of opA's instance among 30 on team-b's, interleaved, all newer than anything else.
    const rows = Array.from({ length: 37 }, (_, i) => {
      const mine = i % 5 === 2 && i < 35;
      return { id: `op_page_${String(i).padStart(2, '0')}`, kind: 'test-paging', targetType: 'instance', targetId: mine ? ids.a : ids.b, state: 'succeeded' as const, createdAt: new Date(Date.UTC(2100, 0, 1, 0, 0, i)).toISOString() };
    });
    api.db.insert(operations).values(rows).run();
    const expected = rows.filter((r) => r.targetId === ids.a).map((r) => r.id).reverse();
    assert.equal(expected.length, 7);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pageNo = 0; pageNo < 3; pageNo++) {
      const page = await json(await api.call('GET', `/api/v1/operations?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: opA.token }));
      const items = (page.items as { id: string }[]).map((o) => o.id);
      seen.push(...items);
      cursor = page.nextCursor ?? undefined;
      // The first two pages hold 6 of the 7 test operations: full, and a cursor to the 7th.
      if (pageNo < 2) assert.ok(items.length === 3 && cursor, `page ${pageNo} is full with a cursor: ${items.join(',')}`);
    }
    assert.deepEqual(seen.slice(0, 7), expected);
    assert.ok(seen.slice(7).every((id) => !id.startsWith('op_page_')), 'older operations follow the test ones');
    // opB sees the other 30 and none of opA's.
    const b = (await json(await api.call('GET', '/api/v1/operations?limit=40', { token: opB.token }))).items as { id: string }[];
    assert.equal(b.filter((o) => o.id.startsWith('op_page_')).length, 30);
    api.db.delete(operations).where(eq(operations.kind, 'test-paging')).run();
  });

  test('a user in no group lists nothing (200, empty), and is refused only what needs a permission (403)', async () => {
    const loner = addPrincipal(api, 'loner', []);
    for (const path of ['/api/v1/instances', '/api/v1/images', '/api/v1/media', '/api/v1/operations']) {
      const res = await api.call('GET', path, { token: loner.token });
      assert.equal(res.status, 200, path);
      assert.deepEqual((await json(res)).items, [], path);
    }
    const exported = await api.call('GET', '/api/v1/instances/export', { token: loner.token });
    assert.equal(exported.status, 200);
    assert.equal(await exported.text(), '');
    assert.equal((await api.call('GET', `/api/v1/instances/${ids.a}`, { token: loner.token })).status, 404);
    for (const [method, path] of [['GET', '/api/v1/hosts'], ['POST', '/api/v1/instances']] as const) {
      const res = await api.call(method, path, { token: loner.token, json: method === 'POST' ? instanceBody('loner-vm') : undefined });
      assert.equal(res.status, 403, `${method} ${path}`);
    }
  });

  test('a custom role without instances.read lists no instances of its group, though a member', async () => {
    const roleName = 'power-only';
    assert.equal((await api.call('POST', '/api/v1/roles', { json: { name: roleName, description: '', permissions: ['instances.power'] } })).status, 201);
    const powerOnly = addPrincipal(api, 'power-a', [{ groupId: groupA, role: roleName }]);
    assert.deepEqual(await names(await api.call('GET', '/api/v1/instances', { token: powerOnly.token })), []);
    assert.deepEqual((await json(await api.call('GET', '/api/v1/operations', { token: powerOnly.token }))).items, []);
    api.services.rbac.removeMember(groupA, powerOnly.actor.userId, api.admin);
    assert.equal((await api.call('DELETE', `/api/v1/roles/${roleName}`)).status, 204);
  });

  test('images and ISOs are listed per group', async () => {
    const iso = await api.call('POST', '/api/v1/media?name=iso-a', { token: opA.token, body: tinyIso() });
    assert.equal(iso.status, 201);
    assert.equal(api.services.media.get('iso-a').groupId, groupA);
    assert.deepEqual(await names(await api.call('GET', '/api/v1/media', { token: opA.token })), ['iso-a']);
    assert.deepEqual(await names(await api.call('GET', '/api/v1/media', { token: opB.token })), []);
    assert.deepEqual(await names(await api.call('GET', '/api/v1/images', { token: opA.token })), []);
    assert.deepEqual(await names(await api.call('GET', '/api/v1/images', { token: opB.token })), ['img-b']);
  });

  test('in a group whose visibility is own, each member sees only what they created', async () => {
    const groupC = addGroup(api, 'team-c', 'own');
    const one = addPrincipal(api, 'own-1', [{ groupId: groupC, role: 'operator' }]);
    const two = addPrincipal(api, 'own-2', [{ groupId: groupC, role: 'operator' }]);
    for (const [who, name] of [[one, 'own-1-vm'], [two, 'own-2-vm']] as const) {
      const res = await api.call('POST', '/api/v1/instances', { token: who.token, json: instanceBody(name) });
      assert.equal(res.status, 202);
      await waitOperation(api, res.headers.get('location'));
    }
    assert.deepEqual(await names(await api.call('GET', '/api/v1/instances', { token: one.token })), ['own-1-vm']);
    assert.equal((await api.call('GET', '/api/v1/instances/own-2-vm', { token: one.token })).status, 404);
    assert.equal((await api.call('GET', '/api/v1/instances/own-2-vm', { token: two.token })).status, 200);
  });

  test('an API token may be narrower than its user, never wider', async () => {
    const narrow = await api.call('POST', '/api/v1/tokens', { token: opA.token, json: { name: 'ro', role: 'viewer' } });
    assert.equal(narrow.status, 201);
    const { token } = await json(narrow);
    assert.equal((await api.call('GET', `/api/v1/instances/${ids.a}`, { token })).status, 200);
    assert.equal((await api.call('POST', `/api/v1/instances/${ids.a}/actions/stop`, { token })).status, 403);
    const wider = await api.call('POST', '/api/v1/tokens', { token: opA.token, json: { name: 'up', role: 'admin' } });
    assert.equal(wider.status, 403);
    assert.match((await json(wider)).detail, /users\.manage/);
    const adminAsViewer = await json(await api.call('POST', '/api/v1/tokens', { json: { name: 'admin-ro', role: 'viewer' } }));
    assert.equal((await api.call('GET', `/api/v1/instances/${ids.b}`, { token: adminAsViewer.token })).status, 200);
    assert.equal((await api.call('DELETE', `/api/v1/instances/${ids.b}`, { token: adminAsViewer.token })).status, 403);
  });

  test('custom roles: made of named permissions, held in a group, not deletable while held', async () => {
    api.db.insert(roles).values({ name: 'old-accounts', description: '', permissions: ['instances.read', 'users.manage'] }).run();
    const made = await api.call('POST', '/api/v1/roles', { json: { name: 'restarter', permissions: ['instances.read', 'instances.power'] } });
    assert.equal(made.status, 201);
    const bad = await api.call('POST', '/api/v1/roles', { json: { name: 'bad', permissions: ['instances.fly'] } });
    assert.equal(bad.status, 400);
    const accountManager = await api.call('POST', '/api/v1/roles', { json: { name: 'accounts', permissions: ['instances.read', 'users.manage'] } });
    assert.equal(accountManager.status, 400);
    assert.match((await json(accountManager)).detail, /users\.manage is held by admins only/);
    // A role stored before that rule (written before 'restarter' above was made, which reloaded the roles) grants nothing admin-only.
    const oldManager = addPrincipal(api, 'old-manager-b', [{ groupId: groupB, role: 'old-accounts' }]);
    assert.equal((await api.call('GET', '/api/v1/users', { token: oldManager.token })).status, 403);
    assert.equal((await api.call('POST', `/api/v1/users/${opA.actor.userId}/actions/reset-password`, { token: oldManager.token, json: { newPassword: 'Taken0ver!pass' } })).status, 403);
    assert.equal((await api.call('GET', `/api/v1/instances/${ids.b}`, { token: oldManager.token })).status, 200);
    // The built-in admin role held in a group (not a global admin) does not carry them either.
    const groupAdmin = addPrincipal(api, 'group-admin-b', [{ groupId: groupB, role: 'admin' }]);
    assert.equal((await api.call('GET', '/api/v1/users', { token: groupAdmin.token })).status, 403);
    assert.equal((await api.call('PATCH', `/api/v1/users/${groupAdmin.actor.userId}`, { token: groupAdmin.token, json: { role: 'admin' } })).status, 403);
    assert.equal((await api.call('POST', '/api/v1/join-tokens', { token: groupAdmin.token, json: {} })).status, 403);
    assert.equal((await api.call('GET', `/api/v1/instances/${ids.b}`, { token: groupAdmin.token })).status, 200);
    // hosts.manage in a group changes hosts; letting a new server join stays with admins.
    assert.equal((await api.call('POST', '/api/v1/roles', { json: { name: 'infra', permissions: ['hosts.read', 'hosts.manage'] } })).status, 201);
    const infra = addPrincipal(api, 'infra-b', [{ groupId: groupB, role: 'infra' }]);
    assert.equal((await api.call('GET', '/api/v1/hosts', { token: infra.token })).status, 200);
    const joinToken = await api.call('POST', '/api/v1/join-tokens', { token: infra.token, json: {} });
    assert.equal(joinToken.status, 403);
    assert.match((await json(joinToken)).detail, /hosts\.join/);
    const restarter = addPrincipal(api, 'restarter-b', [{ groupId: groupB, role: 'restarter' }]);
    assert.equal((await api.call('POST', `/api/v1/instances/${ids.b}/actions/start`, { token: restarter.token })).status, 200);
    assert.equal((await api.call('DELETE', `/api/v1/instances/${ids.b}`, { token: restarter.token })).status, 403);
    assert.equal((await api.call('DELETE', '/api/v1/roles/restarter')).status, 409);
    assert.equal((await api.call('DELETE', '/api/v1/roles/viewer')).status, 409);
    assert.equal((await api.call('POST', '/api/v1/roles', { token: opA.token, json: { name: 'r2', permissions: ['instances.read'] } })).status, 403);
  });

  test('groups: operators see only their own, admins manage them; a group that owns things or the default one is not deleted', async () => {
    assert.deepEqual(((await json(await api.call('GET', '/api/v1/groups', { token: opA.token }))).items as { name: string }[]).map((g) => g.name), ['team-a']);
    assert.equal((await api.call('GET', `/api/v1/groups/${groupB}`, { token: opA.token })).status, 404);
    assert.equal((await api.call('POST', '/api/v1/groups', { token: opA.token, json: { name: 'mine' } })).status, 403);
    const made = await api.call('POST', '/api/v1/groups', { json: { name: 'team-d', description: 'D', visibility: 'own' } });
    assert.equal(made.status, 201);
    assert.equal((await api.call('POST', '/api/v1/groups', { json: { name: 'team-d' } })).status, 409);
    const id = (await json(made)).id;
    assert.equal((await api.call('POST', `/api/v1/groups/${id}/members`, { json: { userId: opA.actor.userId, role: 'viewer' } })).status, 201);
    assert.equal((await api.call('POST', `/api/v1/groups/${id}/members`, { json: { userId: opA.actor.userId, role: 'nope' } })).status, 404);
    assert.equal((await api.call('DELETE', `/api/v1/groups/${id}/members/${opA.actor.userId}`)).status, 204);
    assert.equal((await api.call('DELETE', `/api/v1/groups/${id}`)).status, 204);
    assert.equal((await json(await api.call('DELETE', `/api/v1/groups/${groupA}`))).code, 'group_not_empty');
    assert.equal((await json(await api.call('DELETE', `/api/v1/groups/${DEFAULT_GROUP_ID}`))).code, 'group_is_default');
  });

  test('GET /session tells the UI what the caller may do in each group', async () => {
    const pw = 'Viewer1pass';
    api.db.update(users).set({ passwordHash: await hashPassword(pw) }).where(eq(users.id, viewerA.actor.userId)).run();
    const login = await api.call('POST', '/api/v1/sessions', { token: null, json: { username: 'viewer-a', password: pw } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const session = await json(await api.call('GET', '/api/v1/session', { token: null, headers: { cookie } }));
    assert.equal(session.permissions.everywhere, null);
    assert.deepEqual(session.permissions.groups.map((g: { name: string; role: string }) => [g.name, g.role]), [['team-a', 'viewer']]);
    assert.ok(session.permissions.groups[0].permissions.includes('instances.read'));
    assert.ok(!session.permissions.any.includes('instances.console'));
  });
});
