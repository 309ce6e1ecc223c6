import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExecError, run } from './exec.js';

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
