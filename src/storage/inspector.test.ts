import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../lib/exec.js';
import { FakeImageInspector } from './fake-inspector.js';
import type { ImageInspector } from './inspector.js';
import { sniffFormat } from './inspector.js';
import { buildQcow2Header } from './qcow2-header.js';
import { parseQemuImgProgress, QemuImg } from './qemu-img.js';

describe('parseQemuImgProgress', () => {
  const cases: [string, number | undefined][] = [
    ['    (0.00/100%)\r', 0],
    ['    (12.50/100%)\r    (37.5/100%)\r', 0.375],
    ['    (100.00/100%)\r', 1],
    ['no progress here', undefined],
  ];
  for (const [input, expected] of cases) test(JSON.stringify(input), () => assert.equal(parseQemuImgProgress(input), expected));
});

const hasQemuImg = existsSync('/usr/bin/qemu-img');

/** The same questions to both inspectors, on hand-made headers and on files qemu-img made. */
for (const [name, inspector, skip] of [
  ['qemu-img', new QemuImg(), hasQemuImg ? undefined : 'qemu-img is not installed'],
  ['fake', new FakeImageInspector(), undefined],
] as [string, ImageInspector, string | undefined][]) {
  describe(`ImageInspector contract: ${name}`, { skip }, () => {
    let dir = '';
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'onebox-inspect-'));
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    test('a hand-made qcow2 header: format, virtual size; check passes', async () => {
      const path = join(dir, 'plain.qcow2');
      await writeFile(path, buildQcow2Header({ virtualSizeBytes: 32 * 1024 ** 2 }));
      assert.equal(await sniffFormat(path), 'qcow2');
      const info = await inspector.info(path, 'qcow2');
      assert.deepEqual([info.format, info.virtualSizeBytes, info.backingFile, info.dataFile], ['qcow2', 32 * 1024 ** 2, undefined, undefined]);
      await inspector.check(path);
    });

    test('backing file and external data file are reported', async () => {
      const backed = join(dir, 'backed.qcow2');
      await writeFile(backed, buildQcow2Header({ virtualSizeBytes: 1024 ** 2, backingFile: '/etc/passwd' }));
      assert.equal((await inspector.info(backed, 'qcow2')).backingFile, '/etc/passwd');
      const ext = join(dir, 'ext.qcow2');
      await writeFile(ext, buildQcow2Header({ virtualSizeBytes: 1024 ** 2, dataFile: '/etc/shadow' }));
      assert.equal((await inspector.info(ext, 'qcow2')).dataFile, '/etc/shadow');
    });

    test('files made by qemu-img read the same', { skip: !hasQemuImg && 'qemu-img is not installed' }, async () => {
      const path = join(dir, 'real.qcow2');
      await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-o', `data_file=${join(dir, 'real.raw')}`, path, '3M']);
      const info = await inspector.info(path, 'qcow2');
      assert.deepEqual([info.virtualSizeBytes, info.dataFile], [3 * 1024 ** 2, join(dir, 'real.raw')]);
      await inspector.check(join(dir, 'real.qcow2'));
    });

    test('anything without the magic is raw; a broken qcow2 header fails check', async () => {
      const junk = join(dir, 'junk.bin');
      await writeFile(junk, 'hello');
      assert.equal(await sniffFormat(junk), 'raw');
      assert.equal((await inspector.info(junk, 'raw')).format, 'raw');
      const broken = join(dir, 'broken.qcow2');
      const header = buildQcow2Header({ virtualSizeBytes: 1024 ** 2 });
      header.writeUInt32BE(99, 4); // version 99
      await writeFile(broken, header);
      await assert.rejects(inspector.check(broken));
      const truncated = join(dir, 'truncated.qcow2');
      await writeFile(truncated, buildQcow2Header({ virtualSizeBytes: 1024 ** 2 }).subarray(0, 100));
      await assert.rejects(inspector.info(truncated, 'qcow2'));
      await writeFile(truncated, buildQcow2Header({ virtualSizeBytes: 1024 ** 2 }).subarray(0, 70000));
      assert.equal((await inspector.info(truncated, 'qcow2')).format, 'qcow2', 'the header alone is readable');
      await assert.rejects(inspector.check(truncated), 'but the tables are cut off');
    });
  });
}
