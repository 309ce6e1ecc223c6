import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedMutex, LockTimeoutError } from './keyed-mutex.js';

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

test('a wait longer than the timeout throws LockTimeoutError; the holder and later waiters keep their order', async () => {
  const mutex = new KeyedMutex({ waitTimeoutMs: 1_000 });
  const events: string[] = [];
  let finishHolder!: () => void;
  const holder = mutex.run('vm', () => new Promise<void>((r) => (finishHolder = r)).then(() => void events.push('holder-')));
  const started = Date.now();
  const impatient = mutex.run('vm', async () => void events.push('impatient ran'), { waitTimeoutMs: 40 });
  const patient = mutex.run('vm', async () => void events.push('patient+'));
  await assert.rejects(impatient, (e: unknown) => e instanceof LockTimeoutError && e.key === 'vm' && e.timeoutMs === 40 && /'vm' stayed busy/.test(e.message));
  assert.ok(Date.now() - started < 500, 'the impatient waiter gave up after its own timeout');
  await tick(20);
  assert.deepEqual(events, [], 'the patient waiter does not jump ahead of the holder when the one before it gives up');
  finishHolder();
  await Promise.all([holder, patient]);
  assert.deepEqual(events, ['holder-', 'patient+']);
});

test('the default wait timeout applies to every run; a free key never waits', async () => {
  const mutex = new KeyedMutex({ waitTimeoutMs: 30 });
  assert.equal(await mutex.run('k', async () => 'free'), 'free');
  const holder = mutex.run('k', () => tick(200));
  await assert.rejects(mutex.run('k', async () => 'late'), LockTimeoutError);
  await holder;
  assert.equal(await mutex.run('k', async () => 'after'), 'after');
});

test('after the last waiter gave up, a newcomer still waits for the work that holds the key', async () => {
  const mutex = new KeyedMutex();
  const events: string[] = [];
  const holder = mutex.run('k', async () => {
    await tick(80);
    events.push('holder-');
  });
  await assert.rejects(mutex.run('k', async () => undefined, { waitTimeoutMs: 10 }), LockTimeoutError);
  await mutex.run('k', async () => void events.push('newcomer+'));
  await holder;
  assert.deepEqual(events, ['holder-', 'newcomer+']);
});
