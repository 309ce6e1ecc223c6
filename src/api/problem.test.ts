import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import { AppError, notFound, RateLimitedError } from '../lib/errors.js';
import type { AppEnv } from './env.js';
import { onError } from './problem.js';

function appThrowing(err: Error) {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('requestId', 'req-123');
    await next();
  });
  app.onError(onError);
  app.get('/', () => {
    throw err;
  });
  return app;
}

test('AppErrors keep status, code, detail and field errors', async () => {
  const cases: [AppError, number, string][] = [
    [new AppError('validation_failed', 'Bad.', [{ field: 'name', message: 'Too long.' }]), 400, 'validation_failed'],
    [notFound('instance', 'x'), 404, 'instance_not_found'],
    [new AppError('instance_name_taken', 'Taken.'), 409, 'instance_name_taken'],
    [new RateLimitedError('Slow down.', 7), 429, 'rate_limited'],
  ];
  for (const [err, status, code] of cases) {
    const res = await appThrowing(err).request('/');
    assert.equal(res.status, status);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.code, code);
    assert.equal(body.detail, err.message);
    assert.equal(body.requestId, 'req-123');
    assert.equal(body.type, `https://onebox.dev/problems/${code}`);
    assert.equal(res.headers.get('x-problem-code'), code);
    if (err.errors) assert.deepEqual(body.errors, err.errors);
  }
  assert.equal((await appThrowing(new RateLimitedError('x', 7)).request('/')).headers.get('retry-after'), '7');
});

test('unexpected errors become a generic 500 that names the request id and leaks nothing', async () => {
  const res = await appThrowing(new Error('SQLITE_CORRUPT: secret /var/lib/onebox/onebox.db')).request('/');
  assert.equal(res.status, 500);
  const body = (await res.json()) as Record<string, string>;
  assert.equal(body.code, 'internal_error');
  assert.match(body.detail, /req-123/);
  assert.doesNotMatch(JSON.stringify(body), /SQLITE|secret|onebox\.db|at /);
});

test('every code of the catalogue has a status with a title', async () => {
  const { PROBLEM_CODES } = await import('../shared/problem-codes.js');
  const { titles } = await import('./problem.js');
  for (const [code, status] of Object.entries(PROBLEM_CODES)) assert.ok(titles[status], `${code} → ${status} has no title`);
});
