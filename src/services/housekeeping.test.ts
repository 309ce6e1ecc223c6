import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../api/test-harness.js';
import { auditLog, operations } from '../db/schema.js';
import { AUDIT_KEEP_MS } from './audit.js';
import { OPERATIONS_KEEP_MS } from './operations.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(() => api.close());

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const DAY = 24 * 3600_000;

test('finished operations older than the keep time go; recent ones and running ones stay', () => {
  const row = (id: string, state: 'running' | 'succeeded' | 'failed', updatedAt: string) => ({ id, kind: 'test', targetType: 'instance', targetId: 'x', state, updatedAt });
  api.db.insert(operations).values([row('op_old_ok', 'succeeded', ago(OPERATIONS_KEEP_MS + DAY)), row('op_old_failed', 'failed', ago(OPERATIONS_KEEP_MS + DAY)), row('op_old_running', 'running', ago(OPERATIONS_KEEP_MS + DAY)), row('op_recent', 'failed', ago(DAY))]).run();
  assert.equal(api.services.operations.pruneFinished(), 2);
  const left = api.db.select({ id: operations.id }).from(operations).all().map((r) => r.id).filter((id) => id.startsWith('op_'));
  assert.deepEqual(left.sort(), ['op_old_running', 'op_recent']);
});

test('audit entries older than a year go, the rest stays', () => {
  api.db.insert(auditLog).values([{ action: 'old', targetType: 't', at: ago(AUDIT_KEEP_MS + DAY) }, { action: 'recent', targetType: 't', at: ago(DAY) }]).run();
  assert.equal(api.services.audit.prune(), 1);
  const actions = api.db.select({ action: auditLog.action }).from(auditLog).all().map((r) => r.action);
  assert.ok(actions.includes('recent') && !actions.includes('old'), actions.join(','));
});
