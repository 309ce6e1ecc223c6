import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../app.js';
import { openApiDocument } from '../openapi.js';
import { startTestApi, type TestApi } from '../test-harness.js';

// Every documented route, with every kind of malformed input: none may answer 500.
const bodies: { label: string; body?: string; type?: string }[] = [
  { label: 'no body' },
  { label: 'invalid JSON', body: '{"name":', type: 'application/json' },
  { label: 'JSON array', body: '[1,2,3]', type: 'application/json' },
  { label: 'JSON null', body: 'null', type: 'application/json' },
  { label: 'wrong types', body: JSON.stringify({ name: 5, cores: 'many', memoryMiB: -1, disk: 'yes', username: [], password: {}, mediaId: 7 }), type: 'application/json' },
  { label: 'prototype pollution', body: '{"__proto__":{"admin":true},"constructor":{"prototype":{}}}', type: 'application/json' },
  { label: 'huge string', body: JSON.stringify({ name: 'x'.repeat(100_000) }), type: 'application/json' },
  { label: 'form data', body: 'a=1&b=2', type: 'application/x-www-form-urlencoded' },
  { label: 'binary', body: '\u0000\u0001\u0002garbage', type: 'application/octet-stream' },
];
const ids = ['nope', '..%2F..%2Fetc%2Fpasswd', '%00', 'x'.repeat(500), "'; DROP TABLE instances; --"];

describe('no route answers 500 to malformed input', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  // The routes the harness app serves (a websocket upgrader mounts the console route too).
  const doc = openApiDocument(createApp({} as Parameters<typeof createApp>[0], { version: 'test', upgradeWebSocket: (() => () => undefined) as never }).routes, 'test');
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of Object.keys(methods)) {
      test(`${method.toUpperCase()} ${path}`, async () => {
        for (const id of path.includes('{id}') ? ids : ['']) {
          const url = `/api/v1${path.replace('{id}', id)}?name=${encodeURIComponent('q')}&bogus=%ff`;
          for (const b of method === 'get' ? bodies.slice(0, 1) : bodies) {
            const headers: Record<string, string> = b.type ? { 'content-type': b.type } : {};
            const res = await api.call(method.toUpperCase(), url, { body: b.body, headers });
            assert.ok(res.status < 500, `${method} ${url} with ${b.label} answered ${res.status}: ${await res.text()}`);
            if (res.status >= 400) assert.equal(res.headers.get('content-type'), 'application/problem+json', `${method} ${url} ${b.label}`);
          }
        }
      });
    }
  }

  test('unknown routes and methods get a problem+json 404', async () => {
    for (const [method, path] of [['GET', '/api/v1/nothing-here'], ['PATCH', '/api/v1/instances'], ['PUT', '/api/v1/health']]) {
      const res = await api.call(method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(((await res.json()) as { code: string }).code, 'route_not_found');
    }
  });
});
