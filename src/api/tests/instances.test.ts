import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../../lib/exec.js';
import { startTestApi, type TestApi } from '../test-harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

/** Polls an operation until it leaves 'running'. */
async function waitOperation(api: TestApi, location: string): Promise<Json> {
  for (let i = 0; i < 200; i++) {
    const op = await json(await api.call('GET', location));
    if (op.state !== 'running') return op;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`operation ${location} did not finish`);
}

describe('instances API (fake hypervisor, real SQLite and qemu-img)', () => {
  let api: TestApi;
  let dir: string;
  let imageId: string;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
    dir = await mkdtemp(join(tmpdir(), 'onebox-inst-'));
    const file = join(dir, 'base.qcow2');
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', file, '64M']);
    const res = await api.call('POST', '/api/v1/images?name=base', { body: await readFile(file) });
    imageId = (await json(res)).id;
  });
  after(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const create = (body: Json) => api.call('POST', '/api/v1/instances', { json: body });

  test('create from an image: 202, operation, linked clone, domain defined and started', async () => {
    const res = await create({ name: 'web-1', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId, sizeGiB: 1 }, start: true });
    assert.equal(res.status, 202);
    const location = res.headers.get('location')!;
    assert.match(location, /^\/api\/v1\/operations\/op_/);
    const body = await json(res);
    assert.equal(body.instance.state, 'creating');
    assert.equal(body.instance.vncPassword, undefined);
    const op = await waitOperation(api, location);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.equal(op.progress, 100);
    const inst = await json(await api.call('GET', `/api/v1/instances/${body.instance.id}`));
    assert.equal(inst.state, 'running');
    const disk = api.paths.systemDisk(inst.id);
    const { stdout } = await run(['qemu-img', 'info', '--output=json', '-U', disk]);
    const info = JSON.parse(stdout) as Json;
    assert.match(info['backing-filename'], /images\/img_.*\.qcow2$/);
    assert.equal(info['virtual-size'], 1024 ** 3);
    assert.equal((await api.hypervisor.findDomain(inst.domainName))?.state, 'running');
  });

  test('data disks: blank qcow2 files attached as vdb, vdc, and counted in the sizes', async () => {
    const res = await create({ name: 'db-1', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, dataDisks: [{ sizeGiB: 2 }, { sizeGiB: 3 }], autostart: true });
    const body = await json(res);
    assert.equal((await waitOperation(api, res.headers.get('location')!)).state, 'succeeded');
    const inst = await json(await api.call('GET', `/api/v1/instances/${body.instance.id}`));
    assert.deepEqual(inst.dataDisks, [{ sizeBytes: 2 * 1024 ** 3 }, { sizeBytes: 3 * 1024 ** 3 }]);
    const spec = api.hypervisor.specOf(inst.domainName)!;
    assert.deepEqual(spec.disks.map((d) => d.target), ['vda', 'vdb', 'vdc']);
    assert.equal(await api.hypervisor.getAutostart(inst.domainName), true, 'autostart reaches the hypervisor');
    for (const [i, size] of [2, 3].entries()) {
      const { stdout } = await run(['qemu-img', 'info', '--output=json', api.paths.dataDisk(inst.id, i)]);
      assert.equal((JSON.parse(stdout) as Json)['virtual-size'], size * 1024 ** 3);
    }
    const tooMany = await create({ name: 'db-2', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, dataDisks: Array(9).fill({ sizeGiB: 1 }) });
    assert.equal(tooMany.status, 400);
    assert.match((await json(tooMany)).detail, /at most 8 data disks/);
    const del = await api.call('DELETE', `/api/v1/instances/${inst.id}`);
    assert.equal((await waitOperation(api, del.headers.get('location')!)).state, 'succeeded');
    assert.equal(existsSync(api.paths.dataDisk(inst.id, 0)), false);
  });

  test('live usage: CPU percent and counters', async () => {
    const usage = await json(await api.call('GET', '/api/v1/instances/web-1/stats'));
    assert.equal(usage.state, 'running');
    assert.ok(usage.cpuPercent >= 0 && usage.cpuPercent <= 100, JSON.stringify(usage));
    for (const key of ['memoryMiB', 'diskReadBytes', 'diskWriteBytes', 'netRxBytes', 'netTxBytes']) assert.equal(typeof usage[key], 'number', key);
    assert.equal((await api.call('GET', '/api/v1/instances/nope/stats')).status, 404);
  });

  test('bad create requests get 4xx with stable codes and create nothing', async () => {
    const cases: [Json, number, string][] = [
      [{ name: 'web-1', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 409, 'instance_name_taken'],
      [{ name: 'bad_name!', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 400, 'validation_failed'],
      [{ name: 'x', cores: 0, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 400, 'validation_failed'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: 'nope' } }, 404, 'image_not_found'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, pool: 'nope' }, 404, 'compute_pool_not_found'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, mediaId: 'nope' }, 404, 'media_not_found'],
      [{ name: 'x', cores: 64, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } }, 507, 'no_host_available'],
      [{ name: 'x', cores: 1, memoryMiB: 1024 * 1024, disk: { source: 'blank', sizeGiB: 1 } }, 507, 'no_host_available'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank' } }, 400, 'validation_failed'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, dataDisks: Array(8).fill({ sizeGiB: 65536 }) }, 507, 'no_host_available'],
      [{ name: 'x', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, extra: 1 }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await create(body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal((await json(res)).code, code, JSON.stringify(body));
    }
    const list = await json(await api.call('GET', '/api/v1/instances'));
    assert.deepEqual(list.items.map((i: Json) => i.name), ['web-1']);
  });

  test('power actions follow the state machine', async () => {
    const act = (action: string) => api.call('POST', `/api/v1/instances/web-1/actions/${action}`);
    assert.equal((await json(await act('start'))).code, 'invalid_instance_state');
    assert.equal((await json(await act('pause'))).state, 'paused');
    assert.equal((await json(await act('resume'))).state, 'running');
    assert.equal((await json(await act('reboot'))).state, 'running');
    assert.equal((await json(await act('reset'))).state, 'running');
    const stop = await act('stop');
    assert.equal(stop.status, 202);
    assert.equal((await waitOperation(api, stop.headers.get('location')!)).state, 'succeeded');
    assert.equal((await json(await api.call('GET', '/api/v1/instances/web-1'))).state, 'stopped');
    assert.equal((await act('stop')).status, 409);
    assert.equal((await json(await act('start'))).state, 'running');
    assert.equal((await json(await act('force-stop'))).state, 'stopped');
    const unknown = await act('explode');
    assert.equal(unknown.status, 404);
    assert.equal((await json(unknown)).code, 'action_not_found');
  });

  test('insert and eject an ISO; an inserted ISO cannot be deleted', async () => {
    await writeFile(join(dir, 'f.txt'), 'x');
    await run(['genisoimage', '-quiet', '-o', join(dir, 'x.iso'), join(dir, 'f.txt')]);
    const iso = await json(await api.call('POST', '/api/v1/media?name=x.iso', { body: await readFile(join(dir, 'x.iso')) }));
    const inserted = await json(await api.call('POST', '/api/v1/instances/web-1/actions/insert-media', { json: { mediaId: 'x.iso' } }));
    assert.equal(inserted.mediaId, iso.id);
    assert.match(api.hypervisor.specOf(inserted.domainName)!.cdrom.path ?? '', /media\/iso_.*\.iso$/);
    assert.equal((await json(await api.call('DELETE', `/api/v1/media/${iso.id}`))).code, 'media_in_use');
    const ejected = await json(await api.call('POST', '/api/v1/instances/web-1/actions/eject-media'));
    assert.equal(ejected.mediaId, null);
    assert.equal(api.hypervisor.specOf(inserted.domainName)!.cdrom.path, undefined);
    assert.equal((await api.call('DELETE', `/api/v1/media/${iso.id}`)).status, 204);
    const missing = await api.call('POST', '/api/v1/instances/web-1/actions/insert-media', { json: { mediaId: 'gone' } });
    assert.equal((await json(missing)).code, 'media_not_found');
  });

  test('a linked image cannot be deleted; restart keeps instances; a domain removed behind our back shows as error', async () => {
    const del = await api.call('DELETE', `/api/v1/images/${imageId}`);
    assert.equal(del.status, 409);
    assert.equal((await json(del)).code, 'image_in_use');
    const before = await json(await api.call('GET', '/api/v1/instances/web-1'));
    api = await api.restart();
    const after = await json(await api.call('GET', '/api/v1/instances/web-1'));
    assert.equal(after.state, before.state);
    await api.hypervisor.undefineDomain(before.domainName);
    api = await api.restart();
    const lost = await json(await api.call('GET', '/api/v1/instances/web-1'));
    assert.equal(lost.state, 'error');
    assert.match(lost.stateReason, /missing/);
  });

  test('delete removes the domain, the disk and the row', async () => {
    const inst = await json(await api.call('GET', '/api/v1/instances/web-1'));
    const res = await api.call('DELETE', '/api/v1/instances/web-1');
    assert.equal(res.status, 202);
    assert.equal((await waitOperation(api, res.headers.get('location')!)).state, 'succeeded');
    assert.equal((await api.call('GET', '/api/v1/instances/web-1')).status, 404);
    assert.equal(existsSync(api.paths.instanceDir(inst.id)), false);
    assert.equal(await api.hypervisor.findDomain(inst.domainName), undefined);
    assert.equal((await api.call('DELETE', `/api/v1/images/${imageId}`)).status, 204);
  });

  test('a failure half way leaves nothing behind', async () => {
    const res = await create({ name: 'doomed', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } });
    const body = await json(res);
    // The fake refuses to define a domain whose name exists with another uuid: provoke it.
    await api.hypervisor.defineDomain({
      name: body.instance.domainName, uuid: '00000000-0000-4000-8000-000000000001', title: 't', instanceId: 'x', accel: 'tcg',
      cpu: { kind: 'named', model: 'qemu64' }, vcpus: 1, memoryMiB: 64, disks: [], cdrom: { target: 'sda' }, nics: [],
      vnc: { listen: '127.0.0.1', password: 'abcdefgh' }, serialLogPath: '/tmp/x.log',
    }).catch(() => undefined);
    const op = await waitOperation(api, res.headers.get('location')!);
    if (op.state === 'failed') {
      assert.equal((await api.call('GET', `/api/v1/instances/${body.instance.id}`)).status, 404);
      assert.equal(existsSync(api.paths.instanceDir(body.instance.id)), false);
      await api.hypervisor.undefineDomain(body.instance.domainName);
    } else {
      // The create won the race: then it must be complete.
      assert.equal((await json(await api.call('GET', `/api/v1/instances/${body.instance.id}`))).state, 'stopped');
    }
  });
});
