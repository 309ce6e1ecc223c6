/** The audit search (time range, user, target, action) and operations listed with who started them. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditLog } from '../../db/schema.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json } from './fixtures.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
  await api.bootstrap();
  api.db
    .insert(auditLog)
    .values([
      { at: '2026-01-01T10:00:00.000Z', username: 'alice', action: 'instance.create', targetType: 'instance', targetId: 'ins_a' },
      { at: '2026-01-02T10:00:00.000Z', username: 'bob', action: 'instance.delete', targetType: 'instance', targetId: 'ins_a' },
      { at: '2026-01-03T10:00:00.000Z', username: 'alice', action: 'pool.create', targetType: 'pool', targetId: 'pool_b' },
    ])
    .run();
});
after(() => api.close());

const search = async (query: string) => ((await json(await api.call('GET', `/api/v1/audit?${query}`))).items as { username: string; action: string; targetId: string }[]).map((e) => `${e.username} ${e.action} ${e.targetId}`);

test('the audit log filters by user, target, action prefix and time range', async () => {
  assert.deepEqual(await search('user=alice'), ['alice pool.create pool_b', 'alice instance.create ins_a']);
  assert.deepEqual(await search('target=ins_a'), ['bob instance.delete ins_a', 'alice instance.create ins_a']);
  assert.deepEqual(await search('target=pool'), ['alice pool.create pool_b'], 'a target type finds its entries too');
  assert.deepEqual(await search('action=instance.&user=bob'), ['bob instance.delete ins_a']);
  assert.deepEqual(await search('since=2026-01-01T12:00:00Z&until=2026-01-03T10:00:00.001Z'), ['alice pool.create pool_b', 'bob instance.delete ins_a'], 'since inclusive, until exclusive');
  for (const bad of ['since=yesterday', 'user=', 'who=alice']) {
    const res = await api.call('GET', `/api/v1/audit?${bad}`);
    assert.equal(res.status, 400, bad);
    assert.equal((await json(res)).code, 'validation_failed');
  }
});

test('operations are listed with the name of who started them', async () => {
  const { operation } = await createInstance(api, instanceBody('t-1'));
  const items = (await json(await api.call('GET', '/api/v1/operations'))).items as { id: string; username: string }[];
  assert.equal(items.find((o) => o.id === operation.id)?.username, 'admin');
});
