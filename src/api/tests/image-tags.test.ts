/**
 * Image tags (set at upload, URL import, create-image and PATCH; `GET /images?tag=` filters;
 * field errors for bad tags) and ISO descriptions (PATCH /media/:id), through the API with the
 * fake hypervisor.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFileServer, type FileServer } from '../../../test/fixtures/file-server.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, tinyIso, tinyQcow2, waitOperation, type Json } from './fixtures.js';

describe('image tags and ISO descriptions', () => {
  let api: TestApi;
  let server: FileServer;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    server = await startFileServer({ '/disk.qcow2': { bytes: tinyQcow2() } });
  });
  after(async () => {
    await server?.close();
    await api?.close();
  });

  const upload = (query: string) => api.call('POST', `/api/v1/images?${query}`, { body: tinyQcow2(), headers: { 'content-type': 'application/octet-stream' } });
  const listNames = async (query = '') => {
    const res = await api.call('GET', `/api/v1/images${query}`);
    assert.equal(res.status, 200);
    return ((await json(res)).items as Json[]).map((i) => i.name);
  };
  const fieldErrors = async (res: Response) => {
    const body = await json(res);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(body.code, 'validation_failed');
    return (body.errors as { field: string; message: string }[]).map((e) => e.field);
  };

  test('an upload takes ?tags=a,b (blanks and repeats dropped); an image without tags has []', async () => {
    const res = await upload('name=tagged&tags=debian,%20cloud-init,debian');
    assert.equal(res.status, 201);
    const image = await json(res);
    assert.deepEqual(image.tags, ['debian', 'cloud-init']);
    assert.deepEqual((await json(await api.call('GET', `/api/v1/images/${image.id}`))).tags, ['debian', 'cloud-init']);
    assert.deepEqual((await json(await upload('name=plain'))).tags, []);
  });

  test('bad tags are refused with a field error naming the tag, at upload and in PATCH, and nothing changes', async () => {
    assert.deepEqual(await fieldErrors(await upload('name=bad&tags=ok,Upper')), ['tags.1']);
    assert.deepEqual(await fieldErrors(await upload(`name=bad&tags=${'x'.repeat(33)}`)), ['tags.0']);
    assert.deepEqual(await fieldErrors(await upload(`name=bad&tags=${Array.from({ length: 17 }, (_, i) => `t${i}`).join(',')}`)), ['tags']);
    const plain = await json(await api.call('GET', '/api/v1/images/plain'));
    const patch = (tags: unknown) => api.call('PATCH', `/api/v1/images/${plain.id}`, { json: { tags } });
    assert.deepEqual(await fieldErrors(await patch(['a b'])), ['tags.0']);
    assert.deepEqual(await fieldErrors(await patch([''])), ['tags.0']);
    assert.deepEqual(await fieldErrors(await patch('a,b')), ['tags']);
    assert.deepEqual(await fieldErrors(await patch(Array.from({ length: 17 }, (_, i) => `t${i}`))), ['tags']);
    assert.deepEqual((await json(await api.call('GET', `/api/v1/images/${plain.id}`))).tags, []);
    assert.deepEqual(await listNames(), ['plain', 'tagged']);
  });

  test('PATCH replaces the list (16 allowed, [] clears); GET ?tag= lists only the images carrying it', async () => {
    const plain = await json(await api.call('GET', '/api/v1/images/plain'));
    const sixteen = Array.from({ length: 16 }, (_, i) => `t.${i}_x-y`);
    const res = await api.call('PATCH', `/api/v1/images/${plain.id}`, { json: { tags: ['debian', ...sixteen.slice(1)] } });
    assert.equal(res.status, 200);
    assert.equal((await json(res)).tags.length, 16);
    assert.deepEqual(await listNames('?tag=debian'), ['plain', 'tagged']);
    assert.deepEqual(await listNames('?tag=cloud-init'), ['tagged']);
    assert.deepEqual(await listNames('?tag=nothing'), []);
    assert.deepEqual(await listNames('?tag=debian&limit=1').then((n) => n.length), 1);
    const bad = await api.call('GET', '/api/v1/images?tag=Bad!');
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).code, 'validation_failed');
    const cleared = await json(await api.call('PATCH', `/api/v1/images/${plain.id}`, { json: { tags: [] } }));
    assert.deepEqual(cleared.tags, []);
    assert.deepEqual(await listNames('?tag=debian'), ['tagged']);
    // A PATCH without tags leaves them alone.
    const renamed = await json(await api.call('PATCH', '/api/v1/images/tagged', { json: { description: 'changed' } }));
    assert.deepEqual(renamed.tags, ['debian', 'cloud-init']);
  });

  test('a URL import takes tags in its JSON body; bad ones are refused before any download', async () => {
    const refused = await api.call('POST', '/api/v1/images', { json: { url: server.url('/disk.qcow2'), name: 'bad-url', tags: ['ok', 'NO'] } });
    assert.deepEqual(await fieldErrors(refused), ['tags.1']);
    const res = await api.call('POST', '/api/v1/images', { json: { url: server.url('/disk.qcow2'), name: 'from-url', tags: ['cloud', 'url'] } });
    assert.equal(res.status, 202);
    const op = await waitOperation(api, res.headers.get('location'));
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.deepEqual((await json(await api.call('GET', '/api/v1/images/from-url'))).tags, ['cloud', 'url']);
    assert.deepEqual(await listNames('?tag=url'), ['from-url']);
  });

  test('create-image from an instance takes tags (bad ones: 400 with the field)', async () => {
    const base = await json(await api.call('GET', '/api/v1/images/plain'));
    const { instance, operation } = await createInstance(api, instanceBody('builder', { disk: { source: 'image', imageId: base.id, sizeGiB: 1 } }));
    assert.equal(operation.state, 'succeeded', JSON.stringify(operation));
    assert.equal(api.services.instances.get(instance.id).state, 'stopped');
    const post = (body: Json) => api.call('POST', `/api/v1/instances/${instance.id}/actions/create-image`, { json: body });
    assert.deepEqual(await fieldErrors(await post({ name: 'golden', tags: ['has space'] })), ['tags.0']);
    const res = await post({ name: 'golden', tags: ['golden', 'built'] });
    assert.equal(res.status, 202);
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    assert.deepEqual((await json(await api.call('GET', '/api/v1/images/golden'))).tags, ['golden', 'built']);
    assert.deepEqual(await listNames('?tag=built'), ['golden']);
  });

  test('an ISO has a description: empty after upload, set and kept by PATCH, refused over 1000 characters', async () => {
    const up = await api.call('POST', '/api/v1/media?name=installer', { body: tinyIso(), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(up.status, 201);
    const iso = await json(up);
    assert.equal(iso.description, '');
    const patch = (body: Json) => api.call('PATCH', `/api/v1/media/${iso.id}`, { json: body });
    const described = await patch({ description: 'Debian 13 netinst' });
    assert.equal(described.status, 200);
    assert.equal((await json(described)).description, 'Debian 13 netinst');
    const renamed = await json(await patch({ name: 'netinst' }));
    assert.equal(renamed.name, 'netinst');
    assert.equal(renamed.description, 'Debian 13 netinst');
    assert.deepEqual(await fieldErrors(await patch({ description: 'x'.repeat(1001) })), ['description']);
    const listed = (await json(await api.call('GET', '/api/v1/media'))).items as Json[];
    assert.deepEqual(listed.map((m) => [m.name, m.description]), [['netinst', 'Debian 13 netinst']]);
  });
});
