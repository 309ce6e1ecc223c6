import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sha256OfFile } from './file-hash.js';

const dir = mkdtempSync(join(tmpdir(), 'onebox-file-hash-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const MiB = 1024 * 1024;

// Sizes around the 4 MiB read size: empty, a partial read, exact multiples, one byte over.
for (const size of [0, 1, 4 * MiB - 1, 4 * MiB, 8 * MiB, 8 * MiB + 1, 13 * MiB + 777]) {
  test(`the SHA-256 of a ${size}-byte file is that of its bytes`, async () => {
    const bytes = randomBytes(size);
    const path = join(dir, `f${size}`);
    writeFileSync(path, bytes);
    assert.equal(await sha256OfFile(path), createHash('sha256').update(bytes).digest('hex'));
  });
}

test('a missing file is an ENOENT error', async () => {
  await assert.rejects(sha256OfFile(join(dir, 'missing')), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
});
