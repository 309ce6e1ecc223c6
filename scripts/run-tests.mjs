#!/usr/bin/env node
// Runs the test suite with Node's own test runner (TypeScript through tsx).
//   node scripts/run-tests.mjs              every test: unit (src/**/*.test.ts) then system and UI (test/**/*.test.ts)
//   node scripts/run-tests.mjs --unit       unit tests only
//   node scripts/run-tests.mjs FILE...      just those files
//   node scripts/run-tests.mjs --one-lane   system and UI files one at a time (instead of two)
// Unit files (src/) run as many at a time as there are cores: each is its own process and
// they share nothing but the system libvirtd, where every test names its domains uniquely.
// The files under test/ boot real guests under TCG, a whole core each, so they run after the
// unit files, two files at a time (what two cores take, /work/shared/ENVIRONMENT.md: "run test
// guests one or two at a time"), taken from one queue: browser stories and system files mixed,
// each runner starting the next file when its last one ends. Every test names its domains, labs
// and data dirs uniquely. A file's output is printed whole when it ends, so files never
// interleave. The tests run on the pinned Node 24 (scripts/pinned-node.mjs), the runtime
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
 * Runs the files under test/ with `workers` runners side by side, each taking the next file from
 * one shared queue when its last one ends (so the two stay busy until the queue is empty, whatever
 * each file takes). A file's output is printed whole when it ends, so two files never interleave;
 * while it runs it also goes to a file in the temporary directory, to follow a long one.
 * Resolves with the files that failed.
 */
async function runQueue(queue, workers) {
  const failed = [];
  const log = join(tmpdir(), `onebox-tests-${process.pid}.log`);
  console.log(`run-tests: ${queue.length} files under test/, ${workers} at a time; each prints when it ends (live output in ${log})`);
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const held = [];
      const result = await startRun([file], 1, (chunk) => {
        held.push(chunk);
        appendFileSync(log, chunk);
      });
      process.stdout.write(Buffer.concat(held));
      console.log(`run-tests: ${place(file)} ${result.status === 0 ? 'passed' : 'FAILED'} in ${result.seconds.toFixed(0)} s`);
      if (result.status !== 0) failed.push(place(file));
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return failed;
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
/**
 * Files under test/ that take five minutes or more: started first, so the other runner works
 * through the short ones meanwhile instead of one long file finishing the run alone.
 */
const LONG_SYSTEM_FILES = ['test/system/live-migration.test.ts', 'test/system/snapshots.test.ts', 'test/system/migration.test.ts'];
const rest = files.filter((f) => !isUnit(f));
const queue = [...rest.filter((f) => LONG_SYSTEM_FILES.includes(place(f))), ...rest.filter((f) => !LONG_SYSTEM_FILES.includes(place(f)))];
if (queue.length > 0) {
  const started = Date.now();
  const failed = await runQueue(queue, oneLane ? 1 : 2);
  timings.push(`files under test/ ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (failed.length > 0) {
    console.log(`run-tests: failed: ${failed.join(', ')}`);
    status ||= 1;
  }
}
console.log(`run-tests: ${timings.join(', ')}`);
process.exit(status);
