/**
 * skipUnlessPresent: a missing requirement skips the test, and under ONEBOX_REQUIRE_SYSTEM=1
 * fails the run with a test naming what is missing. Runs a tiny test file in a child process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'onebox-require-system-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, 'probe.test.ts');
writeFileSync(
  file,
  `import { test } from 'node:test';
import { command, skipUnlessPresent } from ${JSON.stringify(join(ROOT, 'test/require-system.ts'))};
test('needs a tool', { skip: skipUnlessPresent(command('onebox-no-such-tool', [], 'onebox-no-such-package')) }, () => {});
test('needs nothing', { skip: skipUnlessPresent(command('true', [], 'coreutils')) }, () => {});
`,
);

function runProbe(env: Record<string, string>): { status: number | null; out: string } {
  // Without this runner's own context variable the child runs its file as a test run of its own.
  const { ONEBOX_REQUIRE_SYSTEM: _, NODE_TEST_CONTEXT: __, ...base } = process.env;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd: ROOT, encoding: 'utf8', env: { ...base, ...env }, timeout: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('skipUnlessPresent', () => {
  test('without ONEBOX_REQUIRE_SYSTEM a missing tool is a skip naming it and its package', () => {
    const { status, out } = runProbe({});
    assert.equal(status, 0, out);
    assert.match(out, /ok \d+ - needs a tool # SKIP missing: onebox-no-such-tool \(apt-get install onebox-no-such-package\)/);
    assert.match(out, /ok \d+ - needs nothing\n/);
    assert.match(out, /# fail 0/);
  });

  test('with ONEBOX_REQUIRE_SYSTEM=1 a missing tool fails the run with a test naming it', () => {
    const { status, out } = runProbe({ ONEBOX_REQUIRE_SYSTEM: '1' });
    assert.equal(status, 1, out);
    assert.match(out, /not ok \d+ - system requirement: onebox-no-such-tool \(apt-get install onebox-no-such-package\)/);
    assert.match(out, /ONEBOX_REQUIRE_SYSTEM=1 but missing: onebox-no-such-tool/);
    assert.match(out, /ok \d+ - needs nothing\n/);
    assert.match(out, /# fail 1/);
  });
});
