import assert from 'node:assert/strict';
import { test } from 'node:test';
import { limiter } from './limiter.js';

test('limiter: never more than max at once, all run, a failure frees its slot', async () => {
  const run = limiter(3);
  let active = 0;
  let peak = 0;
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) =>
      run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        if (i === 2) throw new Error('boom');
        return i;
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 9);
  assert.equal(results[2].status, 'rejected');
});
