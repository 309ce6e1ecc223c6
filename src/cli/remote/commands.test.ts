import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { COMMANDS } from './commands.js';
import { bashCompletion } from './completion.js';
import { EXIT } from './errors.js';
import { commandHelp } from './help.js';
import { runRemote } from './run.js';
import { flagsOf, isGroup } from './spec.js';

const leaves = COMMANDS.flatMap((top) => (isGroup(top) ? top.commands.map((cmd) => ({ path: [top.name], cmd })) : [{ path: [], cmd: top }]));

test('the table: unique names, a summary everywhere, unique flags per command, and help for each', () => {
  assert.equal(new Set(COMMANDS.map((c) => c.name)).size, COMMANDS.length);
  for (const top of COMMANDS) if (isGroup(top)) assert.equal(new Set(top.commands.map((c) => c.name)).size, top.commands.length, top.name);
  for (const { path, cmd } of leaves) {
    assert.ok(cmd.summary.length > 10, cmd.name);
    const names = flagsOf(cmd).flatMap((f) => [f.name, ...(f.short ? [f.short] : [])]);
    assert.equal(new Set(names).size, names.length, `${path.join(' ')} ${cmd.name}`);
    assert.match(commandHelp(path, cmd), new RegExp(`^Usage: onebox ${[...path, cmd.name].join(' ')}`));
  }
});

test('the bash completion script is valid bash and names every command', () => {
  const script = bashCompletion(COMMANDS);
  const res = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  for (const top of COMMANDS) assert.ok(script.includes(`    ${top.name})`), top.name);
});

test('usage errors exit 2 before anything is sent; help exits 0', async (t) => {
  const errors: string[] = [];
  t.mock.method(console, 'error', (line: string) => errors.push(line));
  t.mock.method(console, 'log', () => undefined);
  assert.equal(await runRemote(['instances', 'show']), EXIT.usage);
  assert.match(errors.at(-1) ?? '', /^onebox instances show: NAME is missing/);
  assert.equal(await runRemote(['instances', 'list', '--bogus']), EXIT.usage);
  assert.match(errors.at(-1) ?? '', /Unknown option '--bogus'/);
  assert.equal(await runRemote(['completion', 'zsh']), EXIT.usage);
  assert.equal(await runRemote(['instances', 'list', '--help']), EXIT.ok);
  assert.equal(await runRemote(['instances']), EXIT.usage);
});
