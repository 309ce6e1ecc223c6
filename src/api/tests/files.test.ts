import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../../lib/exec.js';
import { startTestApi, type TestApi } from '../test-harness.js';

/** A tiny valid ISO 9660 image made with genisoimage. */
async function makeIso(dir: string): Promise<string> {
  await writeFile(join(dir, 'hello.txt'), 'hello');
  const iso = join(dir, 'test.iso');
  await run(['genisoimage', '-quiet', '-V', 'TEST', '-o', iso, join(dir, 'hello.txt')]);
  return iso;
}

describe('images and media uploads', () => {
  let api: TestApi;
  let dir: string;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    dir = await mkdtemp(join(tmpdir(), 'onebox-files-'));
  });
  after(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a qcow2 upload is stored with its SHA-256 and can be downloaded', async () => {
    const file = join(dir, 'a.qcow2');
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', file, '32M']);
    const bytes = await readFile(file);
    const res = await api.call('POST', '/api/v1/images?name=tiny&os=linux', { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201);
    const image = (await res.json()) as { id: string; sha256: string; format: string; virtualSizeBytes: number; sizeBytes: number };
    assert.equal(image.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(image.format, 'qcow2');
    assert.equal(image.virtualSizeBytes, 32 * 1024 * 1024);
    assert.equal(image.sizeBytes, bytes.length);
    const down = await api.call('GET', `/api/v1/images/${image.id}/content`);
    assert.equal(down.status, 200);
    assert.deepEqual(Buffer.from(await down.arrayBuffer()), bytes);
    const dup = await api.call('POST', '/api/v1/images?name=tiny', { body: bytes });
    assert.equal(dup.status, 409);
    assert.equal(((await dup.json()) as { code: string }).code, 'image_name_taken');
  });

  test('bad uploads are refused and leave nothing behind', async () => {
    const cases: { name: string; body: BodyInit | undefined; query: string; code: string }[] = [
      { name: 'no name', body: 'x', query: '', code: 'validation_failed' },
      { name: 'empty body', body: '', query: '?name=e', code: 'empty_upload' },
      { name: 'not a disk', body: 'hello world', query: '?name=junk', code: 'unsupported_image_format' },
      { name: 'unknown field', body: 'x', query: '?name=a&bogus=1', code: 'validation_failed' },
      { name: 'name shaped like an id', body: 'x', query: '?name=img_0123456789ab', code: 'validation_failed' },
    ];
    const backed = join(dir, 'backed.qcow2');
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', '/etc/passwd', '-F', 'raw', backed]);
    cases.push({ name: 'backing file', body: await readFile(backed), query: '?name=backed', code: 'image_has_backing_file' });
    // An external data file would let a guest disk read (and write) any host file.
    const external = join(dir, 'external.qcow2');
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-o', `data_file=${join(dir, 'secret.raw')}`, external, '1M']);
    cases.push({ name: 'external data file', body: await readFile(external), query: '?name=ext', code: 'image_has_data_file' });
    const good = join(dir, 'good.qcow2');
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', good, '1M']);
    cases.push({ name: 'truncated qcow2', body: (await readFile(good)).subarray(0, 100), query: '?name=trunc', code: 'image_corrupt' });
    for (const c of cases) {
      const res = await api.call('POST', `/api/v1/images${c.query}`, { body: c.body });
      assert.equal(res.status, 400, c.name);
      assert.equal(((await res.json()) as { code: string }).code, c.code, c.name);
    }
    assert.deepEqual(await readdir(api.paths.uploadsDir), []);
    const list = (await (await api.call('GET', '/api/v1/images')).json()) as { items: { name: string }[] };
    assert.deepEqual(list.items.map((i) => i.name), ['tiny']);
  });

  test('concurrent uploads under one name: one wins, the others get 409, no stray files', async () => {
    const iso = await makeIso(dir);
    const bytes = await readFile(iso);
    const results = await Promise.all([1, 2, 3].map(() => api.call('POST', '/api/v1/media?name=same.iso', { body: bytes })));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409]);
    for (const r of results.filter((r) => r.status === 409)) assert.equal(((await r.json()) as { code: string }).code, 'media_name_taken');
    assert.equal((await readdir(api.paths.mediaDir)).length, 1);
    assert.deepEqual(await readdir(api.paths.uploadsDir), []);
    const item = (await (await api.call('GET', '/api/v1/media/same.iso')).json()) as { id: string };
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
    assert.equal(((await res.json()) as { code: string }).code, 'upload_interrupted');
    assert.deepEqual(await readdir(api.paths.uploadsDir), []);
    assert.equal((await api.call('GET', '/api/v1/images/cut')).status, 404);
  });

  test('ISO upload checks the ISO 9660 signature; delete removes the file', async () => {
    const iso = await makeIso(dir);
    const ok = await api.call('POST', '/api/v1/media?name=test.iso', { body: await readFile(iso) });
    assert.equal(ok.status, 201);
    const item = (await ok.json()) as { id: string; fileName: string };
    const bad = await api.call('POST', '/api/v1/media?name=bad.iso', { body: Buffer.alloc(40000) });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'not_an_iso');
    assert.equal((await api.call('DELETE', `/api/v1/media/${item.id}`)).status, 204);
    assert.deepEqual(await readdir(api.paths.mediaDir), []);
    assert.equal((await api.call('DELETE', `/api/v1/media/${item.id}`)).status, 404);
  });
});
