import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExecError, MAX_OUTPUT, run, stopAllChildren } from './exec.js';

test('output, exit codes, timeouts and missing programs', async () => {
  assert.equal((await run(['sh', '-c', 'echo out; echo err >&2'])).stdout, 'out\n');
  await assert.rejects(run(['sh', '-c', 'echo boom >&2; exit 3']), (e: unknown) => e instanceof ExecError && e.exitCode === 3 && /boom/.test(e.message));
  await assert.rejects(run(['sleep', '5'], { timeoutMs: 100 }), /timed out after 100 ms/);
  await assert.rejects(run(['/nonexistent/program']), /could not be started/);
});

test('input reaches the command; a command that exits without reading a large input does not crash us', async () => {
  assert.equal((await run(['cat'], { input: 'hello' })).stdout, 'hello');
  for (let i = 0; i < 20; i++) await run(['true'], { input: 'x'.repeat(1024 * 1024) });
  for (let i = 0; i < 20; i++) await run(['true']);
});

test('output is kept up to MAX_OUTPUT (its end), and stopAllChildren ends commands still running', async () => {
  const big = await run(['sh', '-c', `head -c ${MAX_OUTPUT + 4096} /dev/zero | tr '\\0' x; printf END`]);
  assert.equal(big.stdout.length, MAX_OUTPUT);
  assert.ok(big.stdout.endsWith('END'));
  const sleeping = run(['sleep', '30']);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(stopAllChildren(), 1);
  await assert.rejects(sleeping, ExecError);
});

test('aborting the signal kills the command and rejects as cancelled, also when it was aborted before the start', async () => {
  const abort = new AbortController();
  const started = Date.now();
  const sleeping = run(['sleep', '30'], { signal: abort.signal });
  setTimeout(() => abort.abort(), 100);
  await assert.rejects(sleeping, (e: unknown) => e instanceof ExecError && e.cancelled && /was cancelled/.test(e.message));
  assert.ok(Date.now() - started < 10_000);
  await assert.rejects(run(['sleep', '30'], { signal: abort.signal }), (e: unknown) => e instanceof ExecError && e.cancelled);
  assert.equal((await run(['true'], { signal: new AbortController().signal })).stdout, '');
});
