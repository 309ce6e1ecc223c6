/**
 * The host half of a cold migration, over the peer protocol: two local agents (fake hypervisor,
 * real directory storage and qemu-img), the target behind a loopback peer. Files are listed with
 * their backing, streamed into the target's incoming directory (size and SHA-256 as written),
 * committed with the backing re-pointed at the target's own image copy; a discarded copy leaves
 * nothing, the start-up sweep removes a cut-off one, and a target that already has files refuses.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { FakeHypervisorDriver } from '../hypervisor/fake.js';
import { run } from '../lib/exec.js';
import { VolumeExistsError } from '../lib/storage-errors.js';
import type { ArtifactRef, StoragePoolSpec } from './agent-types.js';
import { LocalHostAgent } from './local-agent.js';
import { startLoopbackPeer, type LoopbackPeer } from './peer/loopback.js';

const POOL: StoragePoolSpec = { id: 'sp_local', kind: 'local', path: null };
const ID = 'ins_transfer0001';

describe('instance files between two hosts', () => {
  let dir = '';
  let source: LocalHostAgent;
  let targetLocal: LocalHostAgent;
  let peer: LoopbackPeer;
  let image: { ref: ArtifactRef; bytes: Buffer };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onebox-transfer-'));
    const agent = (name: string) => new LocalHostAgent({ dataDir: join(dir, name), hypervisor: new FakeHypervisorDriver(), accel: { accel: 'tcg', reason: 'test' } });
    source = agent('a');
    targetLocal = agent('b');
    peer = await startLoopbackPeer(targetLocal);
    const imagePath = join(dir, 'image.qcow2');
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', imagePath, '32M']);
    const bytes = await readFile(imagePath);
    image = { bytes, ref: { shelf: 'images', fileName: 'img_transfer.qcow2', sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.length, format: 'qcow2' } };
    for (const agentOf of [source, peer.client]) await agentOf.volumes.ensureArtifact(image.ref, { open: async () => Readable.from([image.bytes]) });
    await source.volumes.createInstanceDisks(ID, POOL, { system: { source: 'linked', image: image.ref, sizeBytes: 64 * 1024 ** 2 }, data: [{ sizeBytes: 16 * 1024 ** 2 }] });
    await source.volumes.createOverlay(ID, POOL, 'system.snp_a.qcow2', 'system.qcow2');
  });
  after(async () => {
    await peer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('listed with what each file sits on; copied, checked and committed on the target with its own paths', async () => {
    const files = await source.volumes.listInstanceFiles(ID, POOL);
    assert.deepEqual(files.map((f) => [f.file, f.backing]), [
      ['data-0.qcow2', undefined],
      ['system.qcow2', { kind: 'image', fileName: 'img_transfer.qcow2' }],
      ['system.snp_a.qcow2', { kind: 'file', file: 'system.qcow2' }],
    ]);
    for (const f of files) {
      const bytes = await readFile(join(dir, 'a', 'instances', ID, f.file));
      const written = await peer.client.volumes.receiveInstanceFile(ID, POOL, f.file, { open: () => source.volumes.openInstanceFile(ID, POOL, f.file) });
      assert.deepEqual(written, { sizeBytes: f.sizeBytes, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    const target = join(dir, 'b', 'instances', ID);
    assert.ok(existsSync(`${target}.incoming`) && !existsSync(target), 'invisible until committed');
    await peer.client.volumes.commitInstanceFiles(ID, POOL, [
      { file: 'data-0.qcow2' },
      { file: 'system.qcow2', backing: { kind: 'image', ref: image.ref } },
      { file: 'system.snp_a.qcow2', backing: { kind: 'file', file: 'system.qcow2' } },
    ]);
    assert.ok(!existsSync(`${target}.incoming`));
    const backing = async (file: string) => (JSON.parse((await run(['qemu-img', 'info', '--output=json', join(target, file)])).stdout) as { 'backing-filename'?: string })['backing-filename'];
    assert.equal(await backing('system.qcow2'), join(dir, 'b', 'cache', 'images', 'img_transfer.qcow2'));
    assert.equal(await backing('system.snp_a.qcow2'), join(target, 'system.qcow2'));
    await run(['qemu-img', 'check', '-q', join(target, 'system.snp_a.qcow2')]);
    assert.deepEqual((await peer.client.volumes.listInstanceFiles(ID, POOL)).map((f) => f.file), files.map((f) => f.file));
  });

  test('a second copy is refused once the target has the files; discard and the start-up sweep remove incoming copies', async () => {
    await peer.client.volumes.receiveInstanceFile(ID, POOL, 'data-0.qcow2', { open: () => source.volumes.openInstanceFile(ID, POOL, 'data-0.qcow2') });
    await assert.rejects(peer.client.volumes.commitInstanceFiles(ID, POOL, [{ file: 'data-0.qcow2' }]), VolumeExistsError);
    await peer.client.volumes.discardInstanceFiles(ID, POOL);
    assert.ok(!existsSync(join(dir, 'b', 'instances', `${ID}.incoming`)));
    await mkdir(join(dir, 'b', 'instances', 'ins_cutoff00001.incoming'), { recursive: true });
    assert.deepEqual(await targetLocal.sweepIncoming(), ['ins_cutoff00001']);
    await assert.rejects(source.volumes.openInstanceFile(ID, POOL, '../x'), /invalid file name/);
  });
});
