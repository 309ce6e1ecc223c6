#!/usr/bin/env node
// Runs the test suite with Node's own test runner (TypeScript through tsx).
//   node scripts/run-tests.mjs              every test: unit (src/**/*.test.ts) then system and UI (test/**/*.test.ts)
//   node scripts/run-tests.mjs --unit       unit tests only
//   node scripts/run-tests.mjs FILE...      just those files
//   node scripts/run-tests.mjs --one-lane   system and UI files one at a time in a single lane (as before lanes)
// Unit files (src/) run as many at a time as there are cores: each is its own process and
// they share nothing but the system libvirtd, where every test names its domains uniquely.
// The files under test/ boot real guests under TCG, a whole core each, so each lane runs them
// one at a time, after the unit files. There are two lanes side by side: the browser stories
// (test/ui, mostly a browser and a server waiting) and everything else under test/. So at most
// two guests run at once, which is what two cores take (/work/shared/ENVIRONMENT.md: "run test
// guests one or two at a time"); every test names its domains, labs and data dirs uniquely.
// One lane prints as it goes; the other's output is held back until the first ends, so the two
// never interleave. The tests run on the pinned Node 24 (scripts/pinned-node.mjs), the runtime
// the executable embeds, whatever Node runs this script.
import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
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
const oneLane = args.includes('--one-lane');
const explicit = args.filter((a) => !a.startsWith('--'));
const files = explicit.length
  ? explicit
  : [...findTests(join(root, 'src')), ...(unitOnly ? [] : findTests(join(root, 'test')))];

if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

/** Where a file lives, relative to the repository, with '/' separators. */
const place = (file) => relative(root, join(root, file)).split(sep).join('/');
const isUnit = (file) => place(file).startsWith('src/');
const isUi = (file) => place(file).startsWith('test/ui/');

/**
 * Starts the test runner on `list` with the given concurrency. Its output goes to `sink`
 * (a function taking chunks), which the caller may switch from holding to printing.
 * Resolves with the exit status and the seconds it took.
 */
function startRun(list, concurrency, sink) {
  const started = Date.now();
  const child = spawn(
    pinnedNode(),
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...list],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (chunk) => sink(chunk));
  child.stderr.on('data', (chunk) => sink(chunk));
  return new Promise((resolve) => {
    child.on('error', (err) => {
      sink(Buffer.from(`could not start the test runner: ${err.message}\n`));
      resolve({ status: 1, seconds: (Date.now() - started) / 1000 });
    });
    child.on('close', (code, signal) => resolve({ status: code ?? (signal ? 1 : 0), seconds: (Date.now() - started) / 1000 }));
  });
}

/**
 * A lane's output: printed at once when live, else held until made live (and meanwhile also
 * written to a file in the temporary directory, to follow a long run).
 */
function laneOutput(live, name) {
  const held = [];
  let isLive = live;
  const file = join(tmpdir(), `onebox-tests-${name.replace(/[^a-z]+/gi, '-').toLowerCase()}-${process.pid}.log`);
  if (!live) console.log(`run-tests: the output of the ${name} follows when the first lane ends; meanwhile it is in ${file}`);
  return {
    write(chunk) {
      if (isLive) return process.stdout.write(chunk);
      held.push(chunk);
      appendFileSync(file, chunk);
    },
    goLive() {
      isLive = true;
      for (const chunk of held.splice(0)) process.stdout.write(chunk);
    },
  };
}

/** Runs lanes (each a list of files, one file at a time) side by side; the first lane prints live, the next goes live when it ends. */
async function runLanes(lanes) {
  const outputs = lanes.map((lane, i) => laneOutput(i === 0, lane.name));
  const runs = lanes.map((lane, i) => startRun(lane.files, 1, outputs[i].write));
  const results = [];
  for (let i = 0; i < runs.length; i++) {
    results.push(await runs[i]);
    outputs[i + 1]?.goLive();
  }
  return results;
}

/**
 * Unit files that take a minute or more (the whole project's tsc, a guest booted under TCG):
 * started first, they run beside the many short files instead of finishing the run alone.
 */
const LONG_UNIT_FILES = ['src/typecheck.test.ts', 'src/hypervisor/libvirt/driver-qemu-system.test.ts'];
const longFirst = (list) => [...list.filter((f) => LONG_UNIT_FILES.includes(place(f))), ...list.filter((f) => !LONG_UNIT_FILES.includes(place(f)))];

const timings = [];
const unitFiles = longFirst(files.filter(isUnit));
let status = 0;
if (unitFiles.length > 0) {
  const unit = await startRun(unitFiles, Math.max(1, availableParallelism()), (chunk) => process.stdout.write(chunk));
  timings.push(`unit files ${unit.seconds.toFixed(0)} s`);
  status ||= unit.status;
}
const rest = files.filter((f) => !isUnit(f));
const lanes = oneLane
  ? [{ name: 'system and UI files, one lane', files: rest }]
  : [
      { name: 'system files', files: rest.filter((f) => !isUi(f)) },
      { name: 'UI stories', files: rest.filter(isUi) },
    ];
const active = lanes.filter((lane) => lane.files.length > 0);
if (active.length > 0) {
  const started = Date.now();
  const results = await runLanes(active);
  active.forEach((lane, i) => timings.push(`${lane.name} ${results[i].seconds.toFixed(0)} s`));
  if (active.length > 1) timings.push(`both lanes ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const r of results) status ||= r.status;
}
console.log(`run-tests: ${timings.join(', ')}`);
process.exit(status);
