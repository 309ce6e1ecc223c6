/**
 * runLiveMigration between two host agents on the fake hypervisor and fake storage, the source
 * reached over the loopback peer protocol (so progress and typed errors cross the wire as they
 * do from a joined host). The real migration (two libvirtds) is test/system/live-migration.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { LocalHostAgent } from '../cluster/local-agent.js';
import { startLoopbackPeer } from '../cluster/peer/loopback.js';
import { contractSpec } from '../hypervisor/driver-contract.js';
import { FakeHypervisorDriver } from '../hypervisor/fake.js';
import { AppError } from '../lib/errors.js';
import { FakeStorageDriver } from '../storage/fake.js';
import type { StoragePoolSpec } from '../storage/driver.js';
import { runLiveMigration, type LiveMigrationRun } from './live-migration-run.js';

const ID = 'ins_livemig';
const POOL: StoragePoolSpec = { id: 'local', kind: 'local' } as StoragePoolSpec;
const dirs: string[] = [];

async function host(name: string, withCertificate: boolean) {
  const dir = await mkdtemp(join(tmpdir(), `onebox-livemig-${name}-`));
  dirs.push(dir);
  const hv = new FakeHypervisorDriver();
  const agent = new LocalHostAgent({
    dataDir: dir, hypervisor: hv, accel: { accel: 'tcg', reason: 'test' }, migrationPkiDir: withCertificate ? join(dir, 'pki') : undefined,
    storage: (pool, defaultDir) => new FakeStorageDriver(pool.kind === 'local' ? (pool.path ?? defaultDir) : join(dir, 'nfs')),
  });
  return { dir, hv, agent };
}

describe('runLiveMigration', () => {
  let a: Awaited<ReturnType<typeof host>>;
  let b: Awaited<ReturnType<typeof host>>;
  let closePeer: () => Promise<void>;
  let run: LiveMigrationRun;
  const progress: [number, number][] = [];

  beforeEach(async () => {
    a = await host('a', true);
    b = await host('b', false);
    const peer = await startLoopbackPeer(a.agent);
    closePeer = peer.close;
    await a.agent.volumes.createDisk(ID, POOL, 'system', 64 << 20);
    await a.agent.volumes.createDisk(ID, POOL, 'data-1', 32 << 20);
    await a.hv.defineDomain(contractSpec(ID, '6f1b1c52-2f0e-4a8e-9a51-0f3f4c9e0a11', join(a.dir, 'x.qcow2'), join(a.dir, 'x.log')));
    await a.hv.start(ID);
    progress.length = 0;
    run = {
      instanceId: ID, domainName: ID, pool: POOL, source: peer.client, target: b.agent, targetAddress: '10.9.9.2',
      disks: [{ volume: 'system', target: 'vda' }, { volume: 'data-1', target: 'vdb' }],
      onProgress: (done, total) => progress.push([done, total]),
    };
  });
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('local disks: made on the target with their sizes, the guest sent with them, the source cleaned', async () => {
    await runLiveMigration(run);
    await closePeer();
    const [request] = a.hv.migrations.map((m) => m.request);
    assert.deepEqual(request.copyDisks, ['vda', 'vdb']);
    assert.equal(request.destinationUri, `qemu+tls://10.9.9.2/system?pkipath=${join(a.dir, 'pki')}`);
    assert.deepEqual(request.movePaths, { from: a.dir, to: b.dir });
    assert.equal((await b.agent.volumes.inspectDisk(ID, POOL, 'system')).virtualSizeBytes, 64 << 20);
    assert.equal((await b.agent.volumes.inspectDisk(ID, POOL, 'data-1')).virtualSizeBytes, 32 << 20);
    await assert.rejects(a.agent.volumes.inspectDisk(ID, POOL, 'system'), /not|missing/i);
    assert.equal(await a.hv.findDomain(ID), undefined);
    assert.deepEqual(progress, [[50, 100], [100, 100]]);
  });

  test('shared (NFS) storage: nothing made on the target, only memory sent, the disks kept, the source host\'s console log removed', async () => {
    const nfs: StoragePoolSpec = { id: 'share', kind: 'nfs', server: '10.9.9.1', exportPath: '/export', mountOptions: null };
    await a.agent.volumes.createDisk(ID, nfs, 'system', 64 << 20);
    await mkdir(join(a.dir, 'instances', ID), { recursive: true });
    await writeFile(join(a.dir, 'instances', ID, 'serial.log'), 'TICK 1\n');
    await runLiveMigration({ ...run, pool: nfs, disks: [{ volume: 'system', target: 'vda' }] });
    await closePeer();
    assert.deepEqual(a.hv.migrations.map((m) => m.request.copyDisks), [[]]);
    await assert.rejects(b.agent.volumes.inspectDisk(ID, nfs, 'system'), 'no disk made on the target');
    assert.equal((await a.agent.volumes.inspectDisk(ID, nfs, 'system')).virtualSizeBytes, 64 << 20, 'the shared disk stays');
    assert.equal(existsSync(join(a.dir, 'instances', ID)), false, 'the console log and its directory are gone from the source');
    assert.equal(existsSync(join(b.dir, 'instances', ID)), true, 'the target has the directory for its console log');
    assert.equal(await a.hv.findDomain(ID), undefined);
  });

  test('a failed migration: the guest stays on the source, the target keeps nothing, the error says so', async () => {
    a.hv.failNextMigration = true;
    await assert.rejects(runLiveMigration(run), (err: AppError) => err instanceof AppError && err.code === 'live_migration_failed' && /keeps running/.test(err.message));
    await closePeer();
    assert.equal((await a.hv.findDomain(ID))?.state, 'running');
    await assert.rejects(b.agent.volumes.inspectDisk(ID, POOL, 'system'));
    assert.equal(existsSync(join(b.dir, 'instances', ID)), false, 'nor the directory made for its console log');
    assert.equal((await a.agent.volumes.inspectDisk(ID, POOL, 'system')).virtualSizeBytes, 64 << 20);
  });

  test('a target that already has a disk of the instance is refused, and that disk is left alone', async () => {
    await b.agent.volumes.createDisk(ID, POOL, 'data-1', 1 << 20);
    await assert.rejects(runLiveMigration(run), (err: AppError) => err.code === 'migration_target_not_empty');
    await closePeer();
    assert.equal((await b.agent.volumes.inspectDisk(ID, POOL, 'data-1')).virtualSizeBytes, 1 << 20);
    await assert.rejects(b.agent.volumes.inspectDisk(ID, POOL, 'system'), 'the disk made before the refusal is removed again');
    assert.equal(a.hv.migrations.length, 0);
  });

  test('a source host without a migration certificate refuses, and the guest stays there', async () => {
    await closePeer();
    const name = 'ins_nocert';
    await b.agent.volumes.createDisk(name, POOL, 'system', 1 << 20);
    await b.hv.defineDomain(contractSpec(name, '0c4d2f7e-3b1a-4f55-8d0e-6a7b8c9d0e1f', join(b.dir, 'y.qcow2'), join(b.dir, 'y.log')));
    await b.hv.start(name);
    await assert.rejects(
      runLiveMigration({ ...run, instanceId: name, domainName: name, disks: [{ volume: 'system', target: 'vda' }], source: b.agent, target: a.agent }),
      (err: AppError) => err.code === 'live_migration_failed' && /no migration certificate/.test(err.message),
    );
    assert.equal((await b.hv.findDomain(name))?.state, 'running');
    await assert.rejects(a.agent.volumes.inspectDisk(name, POOL, 'system'));
  });

  test('cancelled before it starts: nothing moves', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runLiveMigration({ ...run, signal: controller.signal }), (err: AppError) => err.code === 'live_migration_cancelled');
    await closePeer();
    assert.equal(a.hv.migrations.length, 0);
    await assert.rejects(b.agent.volumes.inspectDisk(ID, POOL, 'system'));
  });
});
