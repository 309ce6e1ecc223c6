/**
 * POST /operations/:id/actions/cancel: a running cancellable operation gets its signal aborted
 * and ends with its work's cancel code; finished and non-cancellable ones are 409
 * operation_not_cancellable; the same visibility as GET /operations/:id (404 for an unseen or
 * missing one); cancelling needs the permission that starts it, on its target (403 otherwise).
 * The operations here are started through the service with work that waits for its signal, as a
 * live migration's does (test/system/live-migration-api.test.ts cancels a real one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../lib/errors.js';
import type { Actor } from '../../services/actor.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, waitOperation } from './fixtures.js';
import { addGroup, addPrincipal, type TestPrincipal } from './principals.js';

describe('cancelling an operation', () => {
  let api: TestApi;
  let instanceId = '';
  let operator: TestPrincipal;
  let stranger: TestPrincipal;

  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    const team = addGroup(api, 'team');
    operator = addPrincipal(api, 'op-team', [{ groupId: team, role: 'operator' }]);
    stranger = addPrincipal(api, 'op-other', [{ groupId: addGroup(api, 'other'), role: 'operator' }]);
    instanceId = (await createInstance(api, instanceBody('mover', { groupId: team }))).instance.id;
  });
  after(() => api.close());

  /** Starts an operation on the instance whose work waits until it is cancelled (or 30 s pass). */
  const startWaiting = (actor: Actor, cancellable: boolean) =>
    api.services.operations.start('instance.migrate', { type: 'instance', id: instanceId }, actor, async (ctx) => {
      ctx.progress(0.1, 'moving');
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 30_000);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new AppError('live_migration_cancelled', 'The live migration was cancelled; the instance keeps running on its host.'));
        });
      });
    }, { cancellable });
  const cancel = (id: string, token?: string) => api.call('POST', `/api/v1/operations/${id}/actions/cancel`, token === undefined ? {} : { token });
  const problem = async (res: Response, status: number, code: string) => {
    const body = await json(res);
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.code, code, JSON.stringify(body));
    assert.match(String(body.detail), /\w+ \w+/);
    return body;
  };

  test('a running cancellable operation says so, is cancelled (202), and ends failed with its cancel code; cancelling it again is 409', async () => {
    const op = startWaiting(api.admin, true);
    const shown = await json(await api.call('GET', `/api/v1/operations/${op.id}`));
    assert.equal(shown.cancellable, true);
    assert.equal(shown.state, 'running');
    const res = await cancel(op.id);
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal(res.headers.get('location'), `/api/v1/operations/${op.id}`);
    assert.equal((await json(res)).operation.cancellable, false);
    const done = await waitOperation(api, `/api/v1/operations/${op.id}`);
    assert.equal(done.state, 'failed');
    assert.equal(done.errorCode, 'live_migration_cancelled');
    assert.equal(done.cancellable, false);
    const again = await problem(await cancel(op.id), 409, 'operation_not_cancellable');
    assert.match(again.detail, /has already failed; there is nothing to cancel/);
  });

  test('a running operation that takes no cancel is 409 and runs on; the list shows cancellable per operation', async () => {
    const plain = startWaiting(api.admin, false);
    const body = await problem(await cancel(plain.id), 409, 'operation_not_cancellable');
    assert.match(body.detail, /takes no cancel/);
    const listed = (await json(await api.call('GET', `/api/v1/operations?target=${instanceId}`))).items.find((o: { id: string }) => o.id === plain.id);
    assert.equal(listed.state, 'running');
    assert.equal(listed.cancellable, false);
  });

  test('an unknown operation is 404; one on another group\'s instance is 404 too; seeing it without the permission that starts it is 403', async () => {
    await problem(await cancel('op_doesnotexist'), 404, 'operation_not_found');
    const op = startWaiting(api.admin, true);
    await problem(await cancel(op.id, stranger.token), 404, 'operation_not_found');
    const forbidden = await problem(await cancel(op.id, operator.token), 403, 'forbidden');
    assert.match(forbidden.detail, /hosts\.manage/);
    assert.equal((await json(await api.call('GET', `/api/v1/operations/${op.id}`))).state, 'running');
    assert.equal((await cancel(op.id)).status, 202);
    assert.equal((await waitOperation(api, `/api/v1/operations/${op.id}`)).errorCode, 'live_migration_cancelled');
  });
});
