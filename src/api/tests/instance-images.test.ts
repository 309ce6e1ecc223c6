/**
 * Image from an instance (POST …/actions/create-image), reset of the system disk
 * (…/actions/reset-system-disk) and compaction of a disk (…/disks/:diskId/actions/compact):
 * what each does, that the instance is busy while a build runs, and every refusal with its code.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StorageError } from '../../lib/storage-errors.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, tinyQcow2, waitOperation, type Json } from './fixtures.js';

const GiB = 1024 ** 3;

/** A file of the seed ISO (isoinfo, as the cloud-init tests read it). */
function isoFile(iso: string, name: string): string {
  const r = spawnSync('isoinfo', ['-J', '-i', iso, '-x', `/${name}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('images from instances, system disk reset, disk compaction', () => {
  let api: TestApi;
  let imageId = '';
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    imageId = (await json(await api.call('POST', '/api/v1/images?name=base', { body: tinyQcow2() }))).id;
  });
  after(() => api.close());

  const post = (path: string, body?: unknown) => api.call('POST', `/api/v1/instances/${path}`, body === undefined ? {} : { json: body });
  const make = async (name: string, over: Json = {}) => {
    const { instance, operation } = await createInstance(api, instanceBody(name, { disk: { source: 'image', imageId, sizeGiB: 2 }, ...over }));
    assert.equal(operation.state, 'succeeded', JSON.stringify(operation));
    return instance;
  };
  const problem = async (res: Response, status: number, code: string) => {
    const body = await json(res);
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.code, code, JSON.stringify(body));
    return body;
  };
  const imageNames = async () => ((await json(await api.call('GET', '/api/v1/images'))).items as Json[]).map((i) => i.name).sort();
  const builds = () => readdirSync(api.agent.paths.tmpDir, { withFileTypes: false }).filter((n) => String(n).startsWith('bld_'));
  const libraryFiles = () => readdirSync(join(api.dataDir, 'images')).sort();

  test('create-image: 202, the instance is busy meanwhile, the image appears only when complete, then boots a new instance', async () => {
    const a = await make('builder');
    const release = api.storage.holdNext('exportFlat', `${a.id}/system.qcow2`);
    const res = await post(`${a.id}/actions/create-image`, { name: 'golden', description: 'from builder', osType: 'linux' });
    const { operation } = await json(res);
    assert.equal(res.status, 202, JSON.stringify(operation));
    assert.equal(res.headers.get('location'), `/api/v1/operations/${operation.id}`);
    assert.equal(operation.targetType, 'image');
    assert.match(operation.targetId, /^img_[0-9a-z]{12}$/);
    try {
      await problem(await post(`${a.id}/actions/start`), 409, 'instance_busy');
      await problem(await api.call('PATCH', `/api/v1/instances/${a.id}`, { json: { cores: 2 } }), 409, 'instance_busy');
      await problem(await post(`${a.id}/disks`, { sizeGiB: 1 }), 409, 'instance_busy');
      await problem(await post(`${a.id}/actions/create-image`, { name: 'again' }), 409, 'instance_busy');
      await problem(await post(`${a.id}/actions/reset-system-disk`), 409, 'instance_busy');
      await problem(await api.call('DELETE', `/api/v1/instances/${a.id}`), 409, 'instance_busy');
      assert.deepEqual(await imageNames(), ['base'], 'no image row before the build is complete');
      assert.equal((await api.call('GET', `/api/v1/images/${operation.targetId}`)).status, 404);
    } finally {
      release();
    }
    const done = await waitOperation(api, res.headers.get('location'));
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    const image = await json(await api.call('GET', `/api/v1/images/${operation.targetId}`));
    assert.deepEqual([image.name, image.description, image.os, image.format, image.virtualSizeBytes], ['golden', 'from builder', 'linux', 'qcow2', 2 * GiB]);
    const file = readFileSync(join(api.dataDir, 'images', `${image.id}.qcow2`));
    assert.equal(createHash('sha256').update(file).digest('hex'), image.sha256);
    assert.equal(file.length, image.sizeBytes);
    assert.deepEqual(builds(), [], 'the host keeps no built file');
    assert.equal(api.services.instances.get(a.id).state, 'stopped');
    assert.equal((await post(`${a.id}/actions/start`)).status, 200, 'the instance is free again');
    const b = await make('from-golden', { disk: { source: 'image', imageId: image.id } });
    assert.equal(api.services.instances.get(b.id).imageId, image.id);
  });

  test('create-image refusals: running, a taken name, a bad body, an unknown instance; a failed build leaves nothing and frees the instance', async () => {
    const a = await make('img-refusals', { start: true });
    await problem(await post(`${a.id}/actions/create-image`, { name: 'x' }), 409, 'instance_must_be_stopped');
    assert.equal((await post(`${a.id}/actions/force-stop`)).status, 200);
    await problem(await post(`${a.id}/actions/create-image`, { name: 'base' }), 409, 'image_name_taken');
    await problem(await post(`${a.id}/actions/create-image`, { name: '' }), 400, 'validation_failed');
    await problem(await post(`${a.id}/actions/create-image`, { name: 'y', tags: 3 }), 400, 'validation_failed');
    await problem(await post('no-such/actions/create-image', { name: 'z' }), 404, 'instance_not_found');
    const files = libraryFiles();
    api.storage.failNext('exportFlat', `${a.id}/system.qcow2`, new StorageError('qemu-img convert failed: disk full'));
    const res = await post(`${a.id}/actions/create-image`, { name: 'broken' });
    assert.equal(res.status, 202);
    const done = await waitOperation(api, res.headers.get('location'));
    assert.equal(done.state, 'failed', JSON.stringify(done));
    assert.ok(!(await imageNames()).includes('broken'));
    assert.deepEqual(libraryFiles(), files, 'no file in the library');
    assert.deepEqual(builds(), []);
    assert.equal((await post(`${a.id}/actions/start`)).status, 200, 'the instance is free again');
  });

  test('reset-system-disk: a new linked clone of the image, data disks kept, a new cloud-init instance-id in the seed', async () => {
    const a = await make('resettable', { dataDisks: [{ sizeGiB: 3 }], cloudInit: { userData: '#cloud-config\n' } });
    const system = `${a.id}/system.qcow2`;
    const compacted = await post(`${a.id}/disks/system/actions/compact`);
    assert.equal((await waitOperation(api, compacted.headers.get('location'))).state, 'succeeded');
    const shrunk = (await api.storage.info(system)).actualSizeBytes;
    const data = await api.storage.info(`${a.id}/data-0.qcow2`);
    assert.equal(isoFile(api.storage.pathOf(`${a.id}/seed.iso`), 'meta-data'), `instance-id: "${a.id}"\nlocal-hostname: "resettable"\n`);

    const res = await post(`${a.id}/actions/reset-system-disk`);
    const body = await json(res);
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.deepEqual([body.operation.kind, body.operation.targetType, body.operation.targetId], ['instance.reset-system-disk', 'instance', a.id]);
    assert.equal(res.headers.get('location'), `/api/v1/operations/${body.operation.id}`);
    const op = await waitOperation(api, res.headers.get('location'));
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.match(op.message ?? '', /fresh linked clone of image/);
    assert.equal(api.services.instances.get(a.id).state, 'stopped');
    const fresh = await api.storage.info(system);
    assert.ok(fresh.actualSizeBytes > shrunk, 'a new volume replaced the old one');
    assert.equal(fresh.virtualSizeBytes, 2 * GiB, 'the size the disk had');
    assert.match(fresh.backingFile ?? '', /img_[0-9a-z]{12}\.qcow2$/);
    assert.deepEqual(await api.storage.info(`${a.id}/data-0.qcow2`), data, 'the data disk is untouched');
    assert.equal(api.storage.list().filter((v) => v.startsWith(`${a.id}/`)).join(','), `${a.id}/data-0.qcow2,${a.id}/seed.iso,${a.id}/system.qcow2`);
    assert.equal(isoFile(api.storage.pathOf(`${a.id}/seed.iso`), 'meta-data'), `instance-id: "${a.id}-r1"\nlocal-hostname: "resettable"\n`);
    const again = await post(`${a.id}/actions/reset-system-disk`);
    assert.equal((await waitOperation(api, again.headers.get('location'))).state, 'succeeded');
    assert.match(isoFile(api.storage.pathOf(`${a.id}/seed.iso`), 'meta-data'), new RegExp(`instance-id: "${a.id}-r2"`), 'each reset a new id');
  });

  test('reset-system-disk refusals: running, a blank disk, an image deleted since; nothing changes', async () => {
    const a = await make('reset-running', { start: true });
    await problem(await post(`${a.id}/actions/reset-system-disk`), 409, 'instance_must_be_stopped');
    const { instance: blank } = await createInstance(api, instanceBody('reset-blank'));
    await problem(await post(`${blank.id}/actions/reset-system-disk`), 409, 'instance_has_no_image');
    const goneId = (await json(await api.call('POST', '/api/v1/images?name=short-lived', { body: tinyQcow2() }))).id;
    const full = await make('reset-full', { disk: { source: 'image', imageId: goneId, clone: 'full' } });
    assert.equal((await api.call('DELETE', `/api/v1/images/${goneId}`)).status, 204);
    const before = await api.storage.info(`${full.id}/system.qcow2`);
    await problem(await post(`${full.id}/actions/reset-system-disk`), 409, 'instance_image_gone');
    assert.deepEqual(await api.storage.info(`${full.id}/system.qcow2`), before);
    assert.equal(api.services.instances.get(full.id).systemDiskResets, 0);
    await problem(await post('no-such/actions/reset-system-disk'), 404, 'instance_not_found');
  });

  test('an instance with snapshots: create-image, reset-system-disk and compact are refused (its disks are overlays now); nothing changes', async () => {
    const a = await make('snapshotted');
    const snap = await api.call('POST', `/api/v1/instances/${a.id}/snapshots`, { json: { name: 'first' } });
    assert.equal(snap.status, 201, JSON.stringify(await snap.clone().json()));
    const names = await imageNames();
    await problem(await post(`${a.id}/actions/create-image`, { name: 'from-snapshotted' }), 409, 'instance_has_snapshots');
    await problem(await post(`${a.id}/actions/reset-system-disk`), 409, 'instance_has_snapshots');
    await problem(await post(`${a.id}/disks/system/actions/compact`), 409, 'instance_has_snapshots');
    assert.deepEqual(await imageNames(), names);
    assert.equal(api.services.instances.get(a.id).systemDiskResets, 0);
  });

  test('compact: 202, the operation reports the sizes before and after; refusals while running and for an unknown disk', async () => {
    const a = await make('compactable', { dataDisks: [{ sizeGiB: 1 }] });
    const volume = `${a.id}/data-0.qcow2`;
    const before = (await api.storage.info(volume)).actualSizeBytes;
    const res = await post(`${a.id}/disks/data-0/actions/compact`);
    assert.equal(res.status, 202);
    const done = await waitOperation(api, res.headers.get('location'));
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    const after = (await api.storage.info(volume)).actualSizeBytes;
    assert.ok(after < before);
    assert.match(done.message, new RegExp(`^vdb compacted: ${before} → ${after} bytes`));
    await problem(await post(`${a.id}/disks/data-7/actions/compact`), 404, 'disk_not_found');
    assert.equal((await post(`${a.id}/actions/start`)).status, 200);
    await problem(await post(`${a.id}/disks/system/actions/compact`), 409, 'instance_must_be_stopped');
  });
});
