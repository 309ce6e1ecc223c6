/**
 * The contract every StorageDriver meets, run against the fake and the directory driver
 * (real qemu-img): what the host agent relies on when it makes an instance's disks.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StorageDriver } from './driver.js';
import { parseQcow2Header } from './qcow2-header.js';
import { StorageError, VolumeExistsError, VolumeNotFoundError } from '../lib/storage-errors.js';

const MiB = 1024 ** 2;

/** Runs the contract against the driver `make` builds on a fresh directory. */
export function storageDriverContract(name: string, make: (root: string) => StorageDriver, opts: { skip?: string } = {}): void {
  describe(`StorageDriver contract: ${name}`, { skip: opts.skip }, () => {
    let dir = '';
    let driver: StorageDriver;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'onebox-storage-'));
      driver = make(join(dir, 'pool'));
      await driver.activate();
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    test('capacity reports a filesystem with free space', async () => {
      const c = await driver.capacity();
      assert.ok(c.totalBytes > 0 && c.freeBytes > 0 && c.freeBytes <= c.totalBytes, JSON.stringify(c));
    });

    test('blank volume: qcow2 of the asked size; a second create of the same name is refused', async () => {
      await driver.createBlank('ins_a/system.qcow2', 64 * MiB);
      assert.equal(await driver.exists('ins_a/system.qcow2'), true);
      const info = await driver.info('ins_a/system.qcow2');
      assert.deepEqual([info.format, info.virtualSizeBytes, info.backingFile], ['qcow2', 64 * MiB, undefined]);
      await assert.rejects(driver.createBlank('ins_a/system.qcow2', MiB), VolumeExistsError);
    });

    test('linked clone: an overlay on a host file, grown to the asked size', async () => {
      const base = join(dir, 'base.raw');
      await writeFile(base, Buffer.alloc(MiB));
      await driver.createLinkedClone('ins_b/system.qcow2', base, 'raw', 128 * MiB);
      const info = await driver.info('ins_b/system.qcow2');
      assert.deepEqual([info.format, info.virtualSizeBytes, info.backingFile], ['qcow2', 128 * MiB, base]);
    });

    test('full copy: independent of its source, grown, with progress up to 1', async () => {
      const base = join(dir, 'base2.raw');
      await writeFile(base, Buffer.alloc(2 * MiB));
      const progress: number[] = [];
      await driver.createFullCopy('ins_c/system.qcow2', base, 'raw', 256 * MiB, (f) => progress.push(f));
      const info = await driver.info('ins_c/system.qcow2');
      assert.deepEqual([info.format, info.virtualSizeBytes, info.backingFile], ['qcow2', 256 * MiB, undefined]);
      assert.equal(progress.at(-1), 1);
      await assert.rejects(driver.createFullCopy('ins_c/other.qcow2', join(dir, 'missing.raw'), 'raw', MiB));
      assert.equal(await driver.exists('ins_c/other.qcow2'), false, 'a failed copy leaves no volume');
    });

    test('import a file as a volume, replacing an older one', async () => {
      const file = join(dir, 'seed.iso');
      await writeFile(file, Buffer.alloc(4096, 1));
      await driver.importFile('ins_d/seed.iso', file);
      await writeFile(file, Buffer.alloc(8192, 2));
      await driver.importFile('ins_d/seed.iso', file);
      assert.equal((await driver.info('ins_d/seed.iso')).virtualSizeBytes, 8192);
    });

    test('deleteGroup removes every volume of the group and nothing else; deleting twice is fine', async () => {
      await driver.createBlank('ins_e/system.qcow2', MiB);
      await driver.createBlank('ins_e/data-0.qcow2', MiB);
      await driver.deleteGroup('ins_e');
      await driver.deleteGroup('ins_e');
      assert.equal(await driver.exists('ins_e/system.qcow2'), false);
      assert.equal(await driver.exists('ins_a/system.qcow2'), true);
      await assert.rejects(driver.info('ins_e/data-0.qcow2'), VolumeNotFoundError);
    });

    test('resize grows a volume and refuses to shrink it; delete removes one volume, twice is fine', async () => {
      await driver.createBlank('ins_f/data-0.qcow2', 64 * MiB);
      await driver.createBlank('ins_f/data-1.qcow2', MiB);
      await driver.resize('ins_f/data-0.qcow2', 96 * MiB);
      assert.equal((await driver.info('ins_f/data-0.qcow2')).virtualSizeBytes, 96 * MiB);
      await assert.rejects(driver.resize('ins_f/data-0.qcow2', 32 * MiB), StorageError);
      assert.equal((await driver.info('ins_f/data-0.qcow2')).virtualSizeBytes, 96 * MiB, 'a refused shrink changes nothing');
      await assert.rejects(driver.resize('ins_f/missing.qcow2', 96 * MiB), VolumeNotFoundError);
      await driver.delete('ins_f/data-0.qcow2');
      await driver.delete('ins_f/data-0.qcow2');
      assert.equal(await driver.exists('ins_f/data-0.qcow2'), false);
      assert.equal(await driver.exists('ins_f/data-1.qcow2'), true, 'the other volume of the group stays');
      assert.throws(() => driver.pathOf('../x/y'), /invalid volume name/);
    });

    test('exportFlat: one self-contained qcow2 of the volume outside the pool, with progress up to 1; a missing volume is refused', async () => {
      const base = join(dir, 'base3.raw');
      await writeFile(base, Buffer.alloc(MiB, 7));
      await driver.createLinkedClone('ins_g/system.qcow2', base, 'raw', 64 * MiB);
      const dest = join(dir, 'built.qcow2');
      const progress: number[] = [];
      await driver.exportFlat('ins_g/system.qcow2', dest, (f) => progress.push(f));
      const header = parseQcow2Header(await readFile(dest));
      assert.ok(header, 'the export is a qcow2');
      assert.deepEqual([header.virtualSizeBytes, header.backingFile], [64 * MiB, undefined]);
      assert.equal(progress.at(-1), 1);
      await assert.rejects(driver.exportFlat('ins_g/missing.qcow2', join(dir, 'none.qcow2')), VolumeNotFoundError);
    });

    test('compact keeps format, size and backing file and never grows the allocation; replace swaps a volume in', async () => {
      const before = await driver.info('ins_g/system.qcow2');
      const progress: number[] = [];
      await driver.compact('ins_g/system.qcow2', (f) => progress.push(f));
      const after = await driver.info('ins_g/system.qcow2');
      assert.deepEqual([after.format, after.virtualSizeBytes, after.backingFile], [before.format, before.virtualSizeBytes, before.backingFile]);
      assert.ok(after.actualSizeBytes <= before.actualSizeBytes, `${after.actualSizeBytes} <= ${before.actualSizeBytes}`);
      assert.equal(progress.at(-1), 1);
      await driver.createBlank('ins_g/system.new.qcow2', 32 * MiB);
      await driver.replace('ins_g/system.qcow2', 'ins_g/system.new.qcow2');
      assert.equal((await driver.info('ins_g/system.qcow2')).virtualSizeBytes, 32 * MiB);
      assert.equal(await driver.exists('ins_g/system.new.qcow2'), false);
      await assert.rejects(driver.replace('ins_g/system.qcow2', 'ins_g/gone.qcow2'), VolumeNotFoundError);
      assert.equal(await driver.exists('ins_g/system.qcow2'), true, 'a failed replace keeps the volume');
    });

    test('copy: a new volume reading like its source, its chain flattened down to the kept backing file; a missing source is refused', async () => {
      const base = join(dir, 'base-copy.raw');
      await writeFile(base, Buffer.alloc(MiB));
      await driver.createLinkedClone('ins_k/system.qcow2', base, 'raw', 96 * MiB);
      await driver.createOverlay('ins_k/system.top.qcow2', 'ins_k/system.qcow2');
      const top = await driver.info('ins_k/system.top.qcow2');
      assert.deepEqual([top.virtualSizeBytes, top.backingFile], [96 * MiB, driver.pathOf('ins_k/system.qcow2')], 'an overlay is as large as the file it sits on');
      await assert.rejects(driver.createOverlay('ins_k/other.qcow2', 'ins_k/missing.qcow2'), VolumeNotFoundError);
      assert.equal(await driver.exists('ins_k/other.qcow2'), false, 'no overlay on a missing file');
      const progress: number[] = [];
      await driver.copy('ins_l/system.qcow2', 'ins_k/system.top.qcow2', { path: base, format: 'raw' }, (f) => progress.push(f));
      const linked = await driver.info('ins_l/system.qcow2');
      assert.deepEqual([linked.format, linked.virtualSizeBytes, linked.backingFile], ['qcow2', 96 * MiB, base], 'keeps the image, not the overlay chain');
      assert.equal(progress.at(-1), 1);
      await driver.copy('ins_l/data-0.qcow2', 'ins_k/system.qcow2', undefined);
      const flat = await driver.info('ins_l/data-0.qcow2');
      assert.deepEqual([flat.virtualSizeBytes, flat.backingFile], [96 * MiB, undefined], 'self-contained');
      await assert.rejects(driver.copy('ins_l/data-0.qcow2', 'ins_k/system.qcow2', undefined), VolumeExistsError);
      await assert.rejects(driver.copy('ins_l/data-1.qcow2', 'ins_k/missing.qcow2', undefined), VolumeNotFoundError);
      assert.equal(await driver.exists('ins_l/data-1.qcow2'), false, 'a refused copy leaves no volume');
    });

    test('volume names cannot climb out of the pool', () => {
      for (const bad of ['../x/system.qcow2', 'a/../../etc', '/abs/x', 'a/b/c', 'a/..'])
        assert.throws(() => driver.pathOf(bad), /invalid volume name/, bad);
    });
  });
}
