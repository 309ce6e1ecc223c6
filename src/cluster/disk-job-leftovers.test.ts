import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDiskJobLeftover, sweepDiskJobLeftovers } from './disk-job-leftovers.js';

test('leftovers: a compaction copy and a reset clone, never a disk, an overlay or the console log', () => {
  const cases: [string, boolean][] = [
    ['system.qcow2.compact', true], ['data-1.qcow2.compact', true], ['system.new.qcow2', true],
    ['system.qcow2', false], ['data-1.qcow2', false], ['system.snp_abc123.qcow2', false], ['serial.log', false], ['seed.iso', false], ['../x.qcow2.compact', false],
  ];
  for (const [name, leftover] of cases) assert.equal(isDiskJobLeftover(name), leftover, name);
});

test('the sweep removes only the leftovers, in every instance directory, and names them', async () => {
  const root = await mkdtemp(join(tmpdir(), 'onebox-leftovers-'));
  try {
    for (const [dir, files] of [['ins_a', ['system.qcow2', 'system.qcow2.compact', 'serial.log']], ['ins_b', ['system.qcow2', 'system.new.qcow2', 'data-0.qcow2']]] as const) {
      await mkdir(join(root, dir));
      for (const f of files) await writeFile(join(root, dir, f), 'x');
    }
    assert.deepEqual((await sweepDiskJobLeftovers(root)).sort(), ['ins_a/system.qcow2.compact', 'ins_b/system.new.qcow2']);
    assert.deepEqual((await readdir(join(root, 'ins_a'))).sort(), ['serial.log', 'system.qcow2']);
    assert.deepEqual((await readdir(join(root, 'ins_b'))).sort(), ['data-0.qcow2', 'system.qcow2']);
    assert.deepEqual(await sweepDiskJobLeftovers(join(root, 'missing')), []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
