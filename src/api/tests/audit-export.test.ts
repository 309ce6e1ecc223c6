import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { auditLog } from '../../db/schema.js';
import { startTestApi, type TestApi } from '../test-harness.js';

describe('audit: failed logins, refused requests, request ids, JSON-lines export, retention', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  test('a failed login records the username tried, the address and the reason', async () => {
    await api.call('POST', '/api/v1/sessions', { json: { username: 'ghost', password: 'Wrong1234' }, token: null });
    const entry = api.services.audit.list({ action: 'login_failed' }).items[0];
    assert.equal(entry.result, 'failed');
    assert.equal(entry.sourceIp, 'local');
    assert.match(entry.detail, /username=ghost ip=local reason=unknown_user/);
    assert.ok(entry.requestId);
  });

  test('a state-changing request keeps who, what, target, result, when, from where and the request id', async () => {
    const res = await api.call('POST', '/api/v1/tokens', { json: { name: 'audited' }, headers: { 'x-request-id': 'req-audit-1' } });
    const { id } = (await res.json()) as { id: string };
    const entry = api.services.audit.list({ target: id }).items[0];
    assert.deepEqual(
      { user: entry.username, action: entry.action, targetType: entry.targetType, result: entry.result, ip: entry.sourceIp, requestId: entry.requestId },
      { user: 'admin', action: 'create', targetType: 'api_token', result: 'ok', ip: 'local', requestId: 'req-audit-1' },
    );
    assert.ok(entry.at);
  });

  test('a refused state-changing request is audited as failed, with status and code; a refused read is not', async () => {
    const refused = await api.call('DELETE', '/api/v1/tokens/tok_missing', { headers: { 'x-request-id': 'req-refused' } });
    assert.equal(refused.status, 404);
    const entry = api.services.audit.list({ action: 'request_failed' }).items[0];
    assert.equal(entry.result, 'failed');
    assert.equal(entry.targetType, 'tokens');
    assert.equal(entry.targetId, 'tok_missing');
    assert.equal(entry.requestId, 'req-refused');
    assert.match(entry.detail, /^DELETE \/api\/v1\/tokens\/tok_missing status=404 code=api_token_not_found$/);
    const before = api.services.audit.list({ action: 'request_failed' }).items.length;
    assert.equal((await api.call('GET', '/api/v1/users/nobody')).status, 404);
    assert.equal(api.services.audit.list({ action: 'request_failed' }).items.length, before);
  });

  test('GET /audit/export streams every matching entry as JSON lines, newest first, with the list filters', async () => {
    for (let i = 0; i < 450; i++) api.services.audit.record(api.admin, 'bulk.touch', 'thing', `t${i}`);
    const res = await api.call('GET', '/api/v1/audit/export?action=bulk.');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
    const text = await res.text();
    assert.ok(text.endsWith('\n'));
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { targetId: string; action: string; id: number });
    assert.equal(lines.length, 450);
    assert.equal(lines[0].targetId, 't449');
    assert.equal(lines.at(-1)!.targetId, 't0');
    assert.ok(lines.every((l) => l.action === 'bulk.touch'));
    const all = (await (await api.call('GET', '/api/v1/audit/export')).text()).trimEnd().split('\n');
    assert.ok(all.length > 450);
    const bad = await api.call('GET', '/api/v1/audit/export?limit=5');
    assert.equal(bad.status, 400, 'no paging parameters on the export');
  });

  test('the retention setting is what pruning keeps', async () => {
    const old = (days: number) => new Date(Date.now() - days * 86400_000).toISOString();
    api.db.insert(auditLog).values([{ action: 'old.a', targetType: 'x', at: old(40) }, { action: 'old.b', targetType: 'x', at: old(20) }]).run();
    assert.equal(api.services.audit.prune(), 0, 'both are younger than 365 days');
    assert.equal((await api.call('PATCH', '/api/v1/settings/security', { json: { auditRetentionDays: 30 } })).status, 200);
    assert.equal(api.services.audit.prune(), 1);
    const left = api.db.select({ action: auditLog.action }).from(auditLog).where(sql`${auditLog.action} like 'old.%'`).all();
    assert.deepEqual(left, [{ action: 'old.b' }]);
  });
});
