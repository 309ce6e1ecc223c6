import assert from 'node:assert/strict';
import { test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Hono } from 'hono';
import { createApp } from './app.js';
import { apiRoutes, openApiDocument, type OpenApiDocument } from './openapi.js';
import { PROBLEM_CODES } from '../shared/problem-codes.js';
import { createPoolSchema, loginSchema } from '../shared/schemas.js';
import { doc, enforceDocumentedSchemas } from './route-doc.js';
import { jsonBody } from './validate.js';
import { ResponseChecker } from './response-check.js';

const app = createApp({} as Parameters<typeof createApp>[0], { version: 'test', upgradeWebSocket: (() => () => undefined) as never });
const document = () => openApiDocument(app.routes, 'test');

test('every route the app serves under /api/v1 has a doc(), and the document lists exactly those routes', () => {
  const served = apiRoutes(app.routes);
  assert.ok(served.length > 90, `only ${served.length} routes found: is the route table read?`);
  assert.deepEqual(served.filter((r) => !r.doc).map((r) => `${r.method} ${r.path}`), [], 'served without doc() (add doc({...}) in front of the handler)');
  const documented = Object.entries(document().paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)).sort();
  assert.deepEqual(documented, served.map((r) => `${r.method} ${r.path}`).sort());
  // What a client relies on is there, with its parameters.
  const list = document().paths['/instances'].get;
  assert.deepEqual(list.parameters?.map((p) => `${p.in}:${p.name}`).sort(), ['query:cursor', 'query:host', 'query:limit', 'query:name', 'query:pool', 'query:state']);
  assert.ok(document().paths['/instances/{id}'].get.parameters?.some((p) => p.in === 'path' && p.name === 'id' && p.required));
});

test('a route added without doc() is reported as served but not documented', () => {
  const extra = new Hono();
  extra.get('/api/v1/new-thing', (c) => c.json({}));
  extra.get('/api/v1/documented', doc({ summary: 'x', responses: { 200: null } }), (c) => c.json({}));
  assert.deepEqual(apiRoutes(extra.routes).map((r) => [r.path, r.doc?.summary]), [['/new-thing', undefined], ['/documented', 'x']]);
  assert.deepEqual(Object.keys(openApiDocument(extra.routes, 't').paths), ['/documented']);
});

test('the document passes a stock OpenAPI 3.1 validator (swagger-parser)', async () => {
  const d = document();
  await SwaggerParser.validate(structuredClone(d) as never);
  assert.equal(d.openapi, '3.1.0');
});

test('request bodies and problem codes come from the schemas and the catalogue', () => {
  const d = document();
  const create = d.paths['/pools'].post.requestBody?.content['application/json'].schema as { properties: Record<string, unknown>; required: string[] };
  assert.deepEqual(Object.keys(create.properties).sort(), Object.keys(createPoolSchema.shape).sort());
  assert.deepEqual(create.required, ['name']);
  const problem = d.components.schemas.Problem as { properties: { code: { enum: string[] } } };
  assert.deepEqual(problem.properties.code.enum, Object.keys(PROBLEM_CODES));
  for (const [path, ops] of Object.entries(d.paths))
    for (const [method, op] of Object.entries(ops)) {
      assert.deepEqual(op.responses.default.content?.['application/problem+json'].schema, { $ref: '#/components/schemas/Problem' }, `${method} ${path}`);
      assert.ok(Object.keys(op.responses).some((s) => /^[12]\d\d$/.test(s)), `${method} ${path} documents no success status`);
    }
  // Every list is paged the same way: {items, nextCursor}.
  const page = d.paths['/images'].get.responses['200'].content?.['application/json'].schema as { required: string[] };
  assert.deepEqual(page.required, ['items', 'nextCursor']);
});

test('a handler that validates with another schema than its doc() names fails under the harness setting', async () => {
  const probe = new Hono();
  probe.onError((err, c) => c.text(err.message, 500));
  probe.post('/same', doc({ summary: 's', body: loginSchema, responses: { 200: null } }), async (c) => c.json(await jsonBody(c, loginSchema)));
  probe.post('/other', doc({ summary: 'o', body: createPoolSchema, responses: { 200: null } }), async (c) => c.json(await jsonBody(c, loginSchema)));
  const send = (path: string) => probe.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'a', password: 'b' }) });
  enforceDocumentedSchemas(true);
  try {
    assert.equal((await send('/same')).status, 200);
    const res = await send('/other');
    assert.equal(res.status, 500);
    assert.match(await res.text(), /POST \/other validates its body with another schema than its doc\(\) names/);
  } finally {
    enforceDocumentedSchemas(false);
  }
  assert.equal((await send('/other')).status, 200, 'outside tests a mismatch is only logged');
});

test('GET /api/docs serves the reference page: grouped by tag, every operation, the problem codes, no script', async () => {
  const res = await app.request('/api/docs');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const html = await res.text();
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /https?:\/\/(?!json-schema)/, 'no outside resource');
  assert.match(html, /<h2 id="tag-instances">Instances<\/h2>/);
  assert.match(html, /<code>\/api\/v1\/instances<\/code>/);
  const d: OpenApiDocument = document();
  const operations = Object.values(d.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
  assert.equal(html.match(/<section class="op"/g)?.length, operations);
  for (const code of Object.keys(PROBLEM_CODES)) assert.ok(html.includes(`<code>${code}</code>`), code);
  const served = await (await app.request('/api/v1/openapi.json')).json();
  assert.deepEqual(Object.keys(served.paths).sort(), Object.keys(d.paths).sort());
});

test('the response check refuses a body, a status or a problem the document does not allow', async () => {
  const checker = new ResponseChecker(document());
  const json = (body: unknown, status = 200, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
  const media = { id: 'med_1', name: 'a.iso', description: '', sizeBytes: 1, sha256: 'x', createdAt: 'now' };
  await checker.check('GET', '/api/v1/media/med_1', json(media));
  await assert.rejects(checker.check('GET', '/api/v1/media/med_1', json({ ...media, path: '/secret' })), /must NOT have additional properties/);
  await assert.rejects(checker.check('GET', '/api/v1/media/med_1', json({ ...media, sizeBytes: '1' })), /sizeBytes must be number/);
  await assert.rejects(checker.check('GET', '/api/v1/media/med_1', json(media, 201)), /status not documented/);
  const problem = { type: 't', title: 'Not Found', status: 404, detail: 'd', code: 'media_not_found' };
  await checker.check('GET', '/api/v1/media/med_1', json(problem, 404, 'application/problem+json'));
  await assert.rejects(checker.check('GET', '/api/v1/media/med_1', json({ ...problem, code: 'no_such_code' }, 404, 'application/problem+json')), /code must be equal to one of the allowed values/);
  await assert.rejects(checker.check('GET', '/api/v1/media/med_1', json({ ...problem, code: 'media_in_use' }, 404, 'application/problem+json')), /code media_in_use has status 409/);
  await assert.rejects(checker.check('GET', '/api/v1/media/med_1', json(problem, 404)), /must be application\/problem\+json/);
  // A literal path wins over a templated one: POST /instances/x/actions/stop answers 202, the generic action 200.
  await assert.rejects(checker.check('POST', '/api/v1/instances/x/actions/stop', json({}, 200)), /status not documented for POST \/instances\/\{id\}\/actions\/stop/);
});
