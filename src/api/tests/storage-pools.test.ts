/**
 * /storage-pools with NFS pools over the API (fake hypervisor and storage: the export is a
 * directory of the harness): validation, create/list/show with each host's probed state, PATCH,
 * attach to a compute pool and the refusals while disks live there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, waitOperation, type Json } from './fixtures.js';

describe('NFS storage pools over the API', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());
  const call = async (method: string, path: string, body?: Json) => {
    const res = await api.call(method, `/api/v1${path}`, body === undefined ? {} : { json: body });
    return { status: res.status, body: res.status === 204 ? {} : await json(res), location: res.headers.get('location') };
  };
  /** The fields and messages of a validation_failed answer. */
  const fieldsOf = (body: Json) => ((body.errors ?? []) as Json[]).map((e) => `${e.field}: ${e.message}`).join('; ');

  test('bad bodies are refused with a 400 that names the field', async () => {
    const cases: [Json, RegExp][] = [
      [{ name: 'n1', kind: 'nfs', server: 'bad host!', exportPath: '/srv' }, /server/],
      [{ name: 'n2', kind: 'nfs', server: '300.1.1.1', exportPath: '/srv' }, /server/],
      [{ name: 'n3', kind: 'nfs', server: 'nas.lan', exportPath: 'srv/x' }, /absolute/],
      [{ name: 'n4', kind: 'nfs', server: 'nas.lan', exportPath: '/srv/../etc' }, /\.\./],
      [{ name: 'n5', kind: 'nfs', server: 'nas.lan', exportPath: '/srv', mountOptions: 'rw; rm -rf /' }, /mountOptions|Mount options/],
      [{ name: 'n6', kind: 'nfs', exportPath: '/srv' }, /server/],
      [{ name: 'n7', kind: 'nfs', server: 'nas.lan', exportPath: '/srv', path: '/x' }, /path|Unrecognized|unrecognized/],
      [{ name: 'n8', kind: 'ceph', server: 'nas.lan' }, /kind/],
    ];
    for (const [body, field] of cases) {
      const res = await call('POST', '/storage-pools', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'validation_failed');
      assert.match(fieldsOf(res.body), field, JSON.stringify(body));
    }
  });

  test('a body without kind is a local pool, as before NFS pools', async () => {
    const res = await call('POST', '/storage-pools', { name: 'local1', path: '/srv/onebox-local1' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.kind, 'local');
    assert.equal((await call('DELETE', '/storage-pools/local1')).status, 204);
  });

  let poolId = '';
  test('create an NFS pool (host name or IPv4 address); the same export twice is refused', async () => {
    const made = await call('POST', '/storage-pools', { name: 'share', kind: 'nfs', server: '10.9.8.7', exportPath: '/srv/onebox', mountOptions: 'vers=4.1,hard' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual(
      { kind: made.body.kind, server: made.body.server, exportPath: made.body.exportPath, mountOptions: made.body.mountOptions, path: made.body.path, computePoolIds: made.body.computePoolIds, hosts: made.body.hosts },
      { kind: 'nfs', server: '10.9.8.7', exportPath: '/srv/onebox', mountOptions: 'vers=4.1,hard', path: null, computePoolIds: [], hosts: [] },
    );
    poolId = made.body.id;
    const twice = await call('POST', '/storage-pools', { name: 'share2', kind: 'nfs', server: '10.9.8.7', exportPath: '/srv/onebox' });
    assert.equal(twice.status, 409, JSON.stringify(twice.body));
    assert.equal(twice.body.code, 'storage_pool_taken');
    const byName = await call('POST', '/storage-pools', { name: 'nas', kind: 'nfs', server: 'nas.example.lan', exportPath: '/export' });
    assert.equal(byName.status, 201, JSON.stringify(byName.body));
    assert.equal((await call('DELETE', '/storage-pools/nas')).status, 204);
  });

  test('PATCH changes the name and options of an unused pool; a local pool has no server', async () => {
    const renamed = await call('PATCH', '/storage-pools/share', { name: 'shared', mountOptions: null });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, 'shared');
    assert.equal(renamed.body.mountOptions, null);
    const local = await call('PATCH', '/storage-pools/default', { server: 'nas.lan' });
    assert.equal(local.status, 400, JSON.stringify(local.body));
    const bad = await call('PATCH', '/storage-pools/shared', { exportPath: 'relative' });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
  });

  test('attached to the default compute pool: each host is probed, disks go there, detach and delete are refused while they are', async () => {
    const attached = await call('PUT', '/pools/default/storage-pool', { storagePool: 'shared' });
    assert.equal(attached.status, 200, JSON.stringify(attached.body));
    assert.equal(attached.body.storagePoolId, poolId);
    const shown = (await call('GET', `/storage-pools/${poolId}`)).body;
    assert.equal(shown.computePoolIds.length, 1);
    assert.equal(shown.hosts.length, 1, JSON.stringify(shown));
    assert.equal(shown.hosts[0].state, 'mounted', JSON.stringify(shown.hosts[0]));
    assert.ok(shown.hosts[0].freeBytes > 0);
    const listed = (await call('GET', '/storage-pools')).body.items.find((p: Json) => p.id === poolId);
    assert.equal(listed.hosts[0].state, 'mounted');

    const { instance, operation } = await createInstance(api, instanceBody('on-share'));
    assert.equal(operation.state, 'succeeded', JSON.stringify(operation));
    assert.equal(instance.storagePoolId, poolId);
    for (const [method, path, body] of [
      ['PUT', '/pools/default/storage-pool', { storagePool: null }],
      ['PUT', '/pools/default/storage-pool', { storagePool: 'default' }],
      ['DELETE', '/storage-pools/shared', undefined],
      ['PATCH', '/storage-pools/shared', { exportPath: '/srv/elsewhere' }],
    ] as const) {
      const res = await call(method, path, body);
      assert.equal(res.status, 409, `${method} ${path} → ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'storage_pool_in_use');
    }
    const del = await api.call('DELETE', `/api/v1/instances/${instance.id}`);
    assert.equal((await waitOperation(api, del.headers.get('location'))).state, 'succeeded');
    const detached = await call('PUT', '/pools/default/storage-pool', { storagePool: null });
    assert.equal(detached.status, 200, JSON.stringify(detached.body));
    assert.notEqual(detached.body.storagePoolId, poolId);
    assert.equal((await call('DELETE', '/storage-pools/shared')).status, 204);
    assert.equal((await call('GET', '/storage-pools/shared')).status, 404);
  });
});
