/**
 * Data disks formatted and mounted by cloud-init, asked at create: the seed's user-data gets
 * fs_setup and mounts for exactly those disks, the instance shows them, and every malformed
 * request is refused with its code and field.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { genisoimage, skipUnlessPresent } from '../../../test/require-system.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { json, tinyQcow2, waitOperation, type Json } from './fixtures.js';

function isoFile(iso: string, name: string): string {
  const r = spawnSync('isoinfo', ['-J', '-i', iso, '-x', `/${name}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('data disks formatted by cloud-init (fake hypervisor, real genisoimage)', { skip: skipUnlessPresent(genisoimage()) }, () => {
  let api: TestApi;
  let imageId: string;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    imageId = (await json(await api.call('POST', '/api/v1/images?name=base', { body: tinyQcow2() }))).id;
  });
  after(() => api.close());

  const create = (name: string, extra: Json) => api.call('POST', '/api/v1/instances', { json: { name, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId }, ...extra } });

  test('fs_setup and mounts for the disks that ask, by their device; the instance lists filesystem and mount point; no other cloud-init option needed', async () => {
    const res = await create('files-1', { dataDisks: [{ sizeGiB: 1, filesystem: 'ext4', mountPoint: '/data' }, { sizeGiB: 1 }, { sizeGiB: 2, filesystem: 'xfs' }] });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    const inst = await json(await api.call('GET', '/api/v1/instances/files-1'));
    assert.deepEqual(inst.dataDisks.map((d: Json) => [d.slot, d.filesystem ?? null, d.mountPoint ?? null]), [[0, 'ext4', '/data'], [1, null, null], [2, 'xfs', null]]);
    const ud = isoFile(api.storage.pathOf(`${inst.id}/seed.iso`), 'user-data');
    assert.match(ud, /^#cloud-config\n/);
    const fsSetup = ud.slice(ud.indexOf('fs_setup:'));
    assert.equal(
      fsSetup,
      [
        'fs_setup:',
        '  - label: "onebox-data0"', '    filesystem: "ext4"', '    device: "/dev/vdb"', '    partition: "none"', '    overwrite: false',
        '  - label: "onebox-data2"', '    filesystem: "xfs"', '    device: "/dev/vdd"', '    partition: "none"', '    overwrite: false',
        'mounts:',
        '  - ["/dev/vdb", "/data", "ext4", "defaults,nofail", "0", "2"]',
        '',
      ].join('\n'),
    );
  });

  test('without a filesystem on any disk and without cloudInit there is no seed', async () => {
    const res = await create('files-plain', { dataDisks: [{ sizeGiB: 1 }] });
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    const inst = await json(await api.call('GET', '/api/v1/instances/files-plain'));
    assert.equal(api.hypervisor.specOf(inst.domainName)?.seed, undefined);
  });

  test('refusals: mount point not absolute, a system directory, with dots, taken twice, without a filesystem; an unknown filesystem; a blank system disk', async () => {
    const cases: [Json[], string, string, Json?][] = [
      [[{ sizeGiB: 1, filesystem: 'ext4', mountPoint: 'data' }], 'mount_point_invalid', 'dataDisks.0.mountPoint'],
      [[{ sizeGiB: 1, filesystem: 'ext4', mountPoint: '/etc' }], 'mount_point_invalid', 'dataDisks.0.mountPoint'],
      [[{ sizeGiB: 1, filesystem: 'ext4', mountPoint: '/' }], 'mount_point_invalid', 'dataDisks.0.mountPoint'],
      [[{ sizeGiB: 1, filesystem: 'ext4', mountPoint: '/data/../etc' }], 'mount_point_invalid', 'dataDisks.0.mountPoint'],
      [[{ sizeGiB: 1, filesystem: 'ext4', mountPoint: '/data dir' }], 'mount_point_invalid', 'dataDisks.0.mountPoint'],
      [[{ sizeGiB: 1, filesystem: 'ext4', mountPoint: '/data' }, { sizeGiB: 1, filesystem: 'xfs', mountPoint: '/data' }], 'mount_point_invalid', 'dataDisks.1.mountPoint'],
      [[{ sizeGiB: 1, mountPoint: '/data' }], 'mount_point_invalid', 'dataDisks.0.mountPoint'],
      [[{ sizeGiB: 1, filesystem: 'btrfs' }], 'validation_failed', 'dataDisks.0.filesystem'],
      [[{ sizeGiB: 1, filesystem: 'ext4' }], 'cloud_init_needs_image', 'dataDisks.0.filesystem', { disk: { source: 'blank', sizeGiB: 1 } }],
    ];
    for (const [dataDisks, code, field, over] of cases) {
      const res = await create(`bad-${code.replace(/_/g, '-')}`, { dataDisks, ...over });
      const problem = await json(res);
      assert.deepEqual([res.status, problem.code], [400, code], JSON.stringify({ dataDisks, problem }));
      assert.ok(problem.errors?.some((e: Json) => e.field === field), `${field} named: ${JSON.stringify(problem)}`);
    }
    assert.equal((await json(await api.call('GET', '/api/v1/instances'))).items.filter((i: Json) => i.name.startsWith('bad-')).length, 0, 'nothing created');
  });
});
