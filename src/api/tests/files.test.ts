import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from '../test-harness.js';
import { json, tinyIso, tinyQcow2 } from './fixtures.js';

describe('images and media uploads', () => {
  let api: TestApi;
  const uploads = () => readdir(join(api.dataDir, 'uploads'));
  const mediaFiles = () => readdir(join(api.dataDir, 'media'));
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  test('a qcow2 upload is stored with its SHA-256 and can be downloaded; internal file names stay private', async () => {
    const bytes = tinyQcow2(32 * 1024 ** 2);
    const res = await api.call('POST', '/api/v1/images?name=tiny&os=linux', { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201);
    const image = await json(res);
    assert.equal(image.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(image.format, 'qcow2');
    assert.equal(image.virtualSizeBytes, 32 * 1024 ** 2);
    assert.equal(image.sizeBytes, bytes.length);
    assert.equal(image.fileName, undefined);
    const down = await api.call('GET', `/api/v1/images/${image.id}/content`);
    assert.equal(down.status, 200);
    assert.equal(down.headers.get('content-disposition'), 'attachment; filename="tiny.qcow2"');
    assert.deepEqual(Buffer.from(await down.arrayBuffer()), bytes);
    const dup = await api.call('POST', '/api/v1/images?name=tiny', { body: bytes });
    assert.equal(dup.status, 409);
    assert.equal((await json(dup)).code, 'image_name_taken');
  });

  test('bad uploads are refused and leave nothing behind', async () => {
    const cases: { name: string; body: BodyInit | undefined; query: string; code: string }[] = [
      { name: 'no name', body: 'x', query: '', code: 'validation_failed' },
      { name: 'empty body', body: '', query: '?name=e', code: 'empty_upload' },
      { name: 'not a disk', body: 'hello world', query: '?name=junk', code: 'unsupported_image_format' },
      { name: 'unknown field', body: 'x', query: '?name=a&bogus=1', code: 'validation_failed' },
      { name: 'name shaped like an id', body: 'x', query: '?name=img_0123456789ab', code: 'validation_failed' },
      { name: 'backing file', body: tinyQcow2(1024 ** 2, { backingFile: '/etc/passwd' }), query: '?name=backed', code: 'image_has_backing_file' },
      // An external data file would let a guest disk read (and write) any host file.
      { name: 'external data file', body: tinyQcow2(1024 ** 2, { dataFile: '/etc/shadow' }), query: '?name=ext', code: 'image_has_data_file' },
      { name: 'truncated qcow2', body: tinyQcow2(1024 ** 2).subarray(0, 100), query: '?name=trunc', code: 'image_corrupt' },
    ];
    for (const c of cases) {
      const res = await api.call('POST', `/api/v1/images${c.query}`, { body: c.body });
      assert.equal(res.status, 400, c.name);
      assert.equal((await json(res)).code, c.code, c.name);
    }
    assert.deepEqual(await uploads(), []);
    const list = await json(await api.call('GET', '/api/v1/images'));
    assert.deepEqual(list.items.map((i: { name: string }) => i.name), ['tiny']);
  });

  test('uploads over the size limit are refused, by Content-Length at once and while streaming', async () => {
    // The test API allows 64 MiB.
    const declared = await api.call('POST', '/api/v1/images?name=big', { body: 'x', headers: { 'content-length': String(65 * 1024 ** 2) } });
    assert.equal(declared.status, 413);
    assert.equal((await json(declared)).code, 'upload_too_large');
    let sent = 0;
    const chunk = new Uint8Array(1024 ** 2);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.length;
        if (sent > 80 * 1024 ** 2) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const streamed = await api.call('POST', '/api/v1/images?name=big', { body: endless });
    assert.equal(streamed.status, 413);
    assert.equal((await json(streamed)).code, 'upload_too_large');
    assert.deepEqual(await uploads(), []);
  });

  test('concurrent uploads under one name: one wins, the others get 409, no stray files', async () => {
    const bytes = tinyIso();
    const results = await Promise.all([1, 2, 3].map(() => api.call('POST', '/api/v1/media?name=same.iso', { body: bytes })));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409]);
    for (const r of results.filter((r) => r.status === 409)) assert.equal((await json(r)).code, 'media_name_taken');
    assert.equal((await mediaFiles()).length, 1);
    assert.deepEqual(await uploads(), []);
    const item = await json(await api.call('GET', '/api/v1/media/same.iso'));
    assert.equal((await api.call('DELETE', `/api/v1/media/${item.id}`)).status, 204);
  });

  test('an interrupted upload leaves nothing visible', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(4096));
        controller.error(new Error('client went away'));
      },
    });
    const res = await api.call('POST', '/api/v1/images?name=cut', { body });
    assert.equal(res.status, 400);
    assert.equal((await json(res)).code, 'upload_interrupted');
    assert.deepEqual(await uploads(), []);
    assert.equal((await api.call('GET', '/api/v1/images/cut')).status, 404);
  });

  test('ISO upload checks the ISO 9660 signature; delete removes the file', async () => {
    const ok = await api.call('POST', '/api/v1/media?name=test.iso', { body: tinyIso() });
    assert.equal(ok.status, 201);
    const item = await json(ok);
    const bad = await api.call('POST', '/api/v1/media?name=bad.iso', { body: Buffer.alloc(40000) });
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).code, 'not_an_iso');
    assert.equal((await api.call('DELETE', `/api/v1/media/${item.id}`)).status, 204);
    assert.deepEqual(await mediaFiles(), []);
    assert.equal((await api.call('DELETE', `/api/v1/media/${item.id}`)).status, 404);
  });
});
