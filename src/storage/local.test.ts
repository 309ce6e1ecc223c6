import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExecError, run } from '../lib/exec.js';
import { LocalStorageDriver, parseQemuImgProgress } from './local.js';

describe('parseQemuImgProgress', () => {
  const cases: [string, number | undefined][] = [
    ['    (0.00/100%)\r', 0],
    ['    (12.50/100%)\r    (37.5/100%)\r', 0.375],
    ['    (100.00/100%)\r', 1],
    ['no progress here', undefined],
  ];
  for (const [input, expected] of cases) test(JSON.stringify(input), () => assert.equal(parseQemuImgProgress(input), expected));
});

describe('LocalStorageDriver with real qemu-img', () => {
  const storage = new LocalStorageDriver();
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onebox-storage-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('blank, linked clone and full copy', async () => {
    const base = join(dir, 'base.qcow2');
    await storage.createBlank(base, 64 * 1024 * 1024);
    assert.deepEqual(
      { ...(await storage.info(base)), actualSizeBytes: 0 },
      { format: 'qcow2', virtualSizeBytes: 64 * 1024 * 1024, actualSizeBytes: 0, backingFile: undefined, dataFile: undefined },
    );
    const clone = join(dir, 'clone.qcow2');
    await storage.createLinkedClone(clone, base, 'qcow2', 128 * 1024 * 1024);
    const cloneInfo = await storage.info(clone);
    assert.equal(cloneInfo.backingFile, base);
    assert.equal(cloneInfo.virtualSizeBytes, 128 * 1024 * 1024);
    const progress: number[] = [];
    const copy = join(dir, 'copy.qcow2');
    await storage.createFullCopy(copy, clone, 'qcow2', 256 * 1024 * 1024, (f) => progress.push(f));
    const copyInfo = await storage.info(copy);
    assert.equal(copyInfo.backingFile, undefined);
    assert.equal(copyInfo.virtualSizeBytes, 256 * 1024 * 1024);
    assert.ok(progress.length > 0 && progress.at(-1) === 1, `progress reported: ${progress.join(',')}`);
    await storage.check(copy);
  });

  test('info reports a qcow2 external data file', async () => {
    const img = join(dir, 'ext.qcow2');
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-o', `data_file=${join(dir, 'ext.raw')}`, img, '1M']);
    assert.equal((await storage.info(img)).dataFile, join(dir, 'ext.raw'));
  });

  test('info on a file that is not an image reports raw; on a missing file an ExecError', async () => {
    const junk = join(dir, 'junk.bin');
    await writeFile(junk, 'hello');
    assert.equal((await storage.info(junk)).format, 'raw');
    await assert.rejects(storage.info(join(dir, 'missing')), ExecError);
  });
});
