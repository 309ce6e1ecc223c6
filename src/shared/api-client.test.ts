/** The typed API client against a canned transport: paths, methods, bodies, answers and errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, createApiClient, fetchTransport, type ApiTransport, type TransportRequest } from './api-client.js';

/** A transport that records requests and answers from a queue. */
function canned(answers: { status: number; body?: unknown }[]) {
  const seen: (TransportRequest | { upload: string; size: number })[] = [];
  const reply = () => {
    const a = answers.shift() ?? { status: 500 };
    const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    return { status: a.status, statusText: '', text: async () => text };
  };
  const transport: ApiTransport = {
    url: (path) => `base/${path}`,
    request: async (req) => {
      seen.push(req);
      return reply();
    },
    upload: (path, body) => {
      seen.push({ upload: path, size: body.size });
      return { done: Promise.resolve(reply()), abort: () => undefined };
    },
  };
  return { seen, api: createApiClient(transport) };
}

const op = { id: 'op_1', kind: 'instance.stop', state: 'running', progress: 0 };

test('list, get and act build the documented paths and unwrap the answers', async () => {
  const { seen, api } = canned([
    { status: 200, body: { items: [{ id: 'ins_1' }] } },
    { status: 200, body: { id: 'a b' } },
    { status: 202, body: { operation: op } },
    { status: 200, body: { id: 'ins_1', state: 'running' } },
  ]);
  assert.deepEqual(await api.instances.list(), [{ id: 'ins_1' }]);
  assert.deepEqual(await api.instances.get('a b'), { id: 'a b' });
  assert.deepEqual(await api.instances.act('ins_1', 'stop'), { operation: op });
  assert.deepEqual(await api.instances.act('ins_1', 'start'), { instance: { id: 'ins_1', state: 'running' } });
  assert.deepEqual(
    seen.map((r) => ('method' in r ? `${r.method} ${r.path}` : '')),
    ['GET instances', 'GET instances/a%20b', 'POST instances/ins_1/actions/stop', 'POST instances/ins_1/actions/start'],
  );
});

test('an error answer becomes an ApiError with the problem code, detail and field errors', async () => {
  const { api } = canned([
    { status: 409, body: { status: 409, code: 'instance_name_taken', detail: "An instance named 'x' already exists.", errors: [{ field: 'name', message: 'taken' }] } },
    { status: 502, body: '<html>bad gateway</html>' },
  ]);
  const err = await api.instances.create({ name: 'x', cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 } }).catch((e: unknown) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 409);
  assert.equal(err.code, 'instance_name_taken');
  assert.equal(err.message, "An instance named 'x' already exists.");
  assert.deepEqual(err.errors, [{ field: 'name', message: 'taken' }]);
  const html = await api.pools.list().catch((e: unknown) => e);
  assert.ok(html instanceof ApiError);
  assert.equal(html.code, 'http_error');
  assert.match(html.message, /502/);
});

test('a transport that throws is a network_error', async () => {
  const api = createApiClient({
    url: (p) => p,
    request: async () => {
      throw new TypeError('fetch failed');
    },
    upload: () => ({ done: Promise.reject(new TypeError('x')), abort: () => undefined }),
  });
  const err = await api.hosts.list().catch((e: unknown) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 'network_error');
});

test('uploads put the metadata in the query and parse the created resource', async () => {
  const { seen, api } = canned([{ status: 201, body: { id: 'img_1', name: 'my image' } }]);
  const image = await api.images.upload(new Blob(['abc']), { name: 'my image', os: 'linux' }).done;
  assert.equal('id' in image && image.id, 'img_1');
  assert.deepEqual(seen, [{ upload: 'images?name=my+image&os=linux', size: 3 }]);
  assert.equal(api.media.contentUrl('iso 1'), 'base/media/iso%201/file');
});

test('operations.wait polls until the operation settles and throws its error', async () => {
  const { api } = canned([
    { status: 200, body: { ...op, progress: 50 } },
    { status: 200, body: { ...op, state: 'failed', errorCode: 'guest_ignored_acpi', errorDetail: 'The guest did not stop.' } },
  ]);
  const progress: number[] = [];
  const err = await api.operations.wait(op as never, (o) => progress.push(o.progress), 1).catch((e: unknown) => e);
  assert.deepEqual(progress, [0, 50, 0]);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 'guest_ignored_acpi');
});

test('fetchTransport sends JSON with the given headers to the base URL', async () => {
  const calls: { url: string; init: RequestInit }[] = [];
  const fakeFetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify({ id: 'pool_1' }), { status: 201 });
  }) as unknown as typeof fetch;
  const api = createApiClient(fetchTransport({ baseUrl: 'https://h:5870/api/v1', fetch: fakeFetch, headers: () => ({ authorization: 'Bearer t' }) }));
  await api.pools.create({ name: 'big', cpuOvercommit: 8 });
  assert.equal(calls[0].url, 'https://h:5870/api/v1/pools');
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].init.body, JSON.stringify({ name: 'big', cpuOvercommit: 8 }));
  assert.equal((calls[0].init.headers as Record<string, string>).authorization, 'Bearer t');
});
