import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reverter, RevertError } from './reverter.js';

test('undos run in reverse order on failure and not at all on success', async () => {
  const done: string[] = [];
  await assert.rejects(
    Reverter.run(async (r) => {
      r.add('one', () => done.push('undo one'));
      r.add('two', () => done.push('undo two'));
      throw new Error('step three failed');
    }),
    /step three failed/,
  );
  assert.deepEqual(done, ['undo two', 'undo one']);
  done.length = 0;
  assert.equal(await Reverter.run(async (r) => (r.add('x', () => done.push('no')), 'ok')), 'ok');
  assert.deepEqual(done, []);
});

test('a failing undo is reported, and the others still run', async () => {
  const done: string[] = [];
  const err = await Reverter.run(async (r) => {
    r.add('remove disk', () => done.push('disk'));
    r.add('undefine domain', () => {
      throw new Error('libvirt gone');
    });
    throw new Error('start failed');
  }).catch((e: unknown) => e);
  assert.ok(err instanceof RevertError);
  assert.deepEqual(err.failedSteps, ['undefine domain']);
  assert.match(err.message, /start failed.*undefine domain/);
  assert.deepEqual(done, ['disk']);
});
