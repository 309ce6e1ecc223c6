import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedMutex } from './keyed-mutex.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('work for one key never overlaps and keeps arrival order; other keys run alongside', async () => {
  const mutex = new KeyedMutex();
  const events: string[] = [];
  const job = (key: string, name: string, ms: number) =>
    mutex.run(key, async () => {
      events.push(`${name}+`);
      await tick(ms);
      events.push(`${name}-`);
      return name;
    });
  const results = await Promise.all([job('a', 'a1', 20), job('a', 'a2', 1), job('b', 'b1', 5)]);
  assert.deepEqual(results, ['a1', 'a2', 'b1']);
  assert.deepEqual(events, ['a1+', 'b1+', 'b1-', 'a1-', 'a2+', 'a2-']);
});

test('a failure releases the key', async () => {
  const mutex = new KeyedMutex();
  await assert.rejects(mutex.run('k', async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await mutex.run('k', async () => 'next'), 'next');
});
