/**
 * The SHA-256 of a whole file, read fast: two reused 4 MiB buffers, the next read (a thread-pool
 * copy out of the page cache) in flight while the current one is hashed. A read stream allocates
 * a fresh buffer for every chunk (new pages to fault in and zero) and passes each through the
 * stream machinery: on a loaded 2-core machine that took 2.5-5 s for 512 MiB, this about 1 s.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const READ_BYTES = 4 * 1024 * 1024;

/** The SHA-256 (hex) of the file at `path`. */
export async function sha256OfFile(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buffers = [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
    let position = 0;
    let pending = handle.read(buffers[0], 0, READ_BYTES, position);
    for (let turn = 0; ; turn ^= 1) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return hash.digest('hex');
      position += bytesRead;
      // The other buffer is free again: its bytes were hashed on the previous turn.
      pending = handle.read(buffers[turn ^ 1], 0, READ_BYTES, position);
      hash.update(buffers[turn].subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}
