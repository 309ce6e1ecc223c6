/** Types are a test: the whole project must pass `tsc --noEmit` under strict settings. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

test('tsc --noEmit passes', () => {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const res = spawnSync(process.execPath, [tsc, '--noEmit', '-p', root], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(res.status, 0, res.stdout + res.stderr);
});
