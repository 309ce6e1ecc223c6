#!/usr/bin/env node
// Runs the test suite with Node's own test runner (TypeScript through tsx).
//   node scripts/run-tests.mjs            every test: unit (src/**/*.test.ts) then system (test/**/*.test.ts)
//   node scripts/run-tests.mjs --unit     unit tests only
//   node scripts/run-tests.mjs FILE...    just those files
// Unit files (src/) run as many at a time as there are cores: each is its own process and
// they share nothing but the system libvirtd, where every test names its domains uniquely.
// System files (test/) boot real guests under TCG, a whole core each, so they run one at a
// time, after the unit files. The tests run on the pinned Node 24 (scripts/pinned-node.mjs), the runtime the executable embeds, whatever Node
// runs this script.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinnedNode } from './pinned-node.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (entry.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out.sort();
}

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const explicit = args.filter((a) => !a.startsWith('--'));
const files = explicit.length
  ? explicit
  : [...findTests(join(root, 'src')), ...(unitOnly ? [] : findTests(join(root, 'test')))];

if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
/** Runs files with the given concurrency; answers the exit status. */
function run(list, concurrency) {
  if (list.length === 0) return 0;
  const result = spawnSync(
    pinnedNode(),
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...list],
    { cwd: root, stdio: 'inherit' },
  );
  return result.status ?? 1;
}

const isUnit = (file) => relative(root, join(root, file)).startsWith('src');
const unitStatus = run(files.filter(isUnit), Math.max(1, availableParallelism()));
const systemStatus = run(files.filter((f) => !isUnit(f)), 1);
process.exit(unitStatus || systemStatus);
