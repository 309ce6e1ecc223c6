import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApp } from './app.js';
import { openApiDocument } from './openapi.js';

test('the OpenAPI document lists exactly the routes the app serves', () => {
  const app = createApp({} as Parameters<typeof createApp>[0], { version: 'test', upgradeWebSocket: (() => () => undefined) as never });
  const served = new Set(
    app.routes
      .filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.slice('/api/v1'.length).replace(/:(\w+)/g, '{$1}')}`),
  );
  const documented = new Set(Object.entries(openApiDocument('test').paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
  // The generic action route serves the documented power actions that have no route of their own.
  assert.ok(served.delete('post /instances/{id}/actions/{action}'));
  for (const d of [...documented]) if (/^post \/instances\/\{id\}\/actions\//.test(d) && !served.has(d)) served.add(d);
  assert.deepEqual([...served].filter((r) => !documented.has(r)).sort(), [], 'served but not documented');
  assert.deepEqual([...documented].filter((r) => !served.has(r)).sort(), [], 'documented but not served');
});
