/**
 * Benchmark: wall time from spawning `onebox serve` to its first HTTP 200 on /api/v1/health.
 * One untimed warm-up start (extracts the addon, creates and migrates the DB), then the
 * median of 5 starts on the same data dir.   Run: node --import tsx bench/start-to-first-200.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getStatus, oneboxBin, startServe, stop } from './onebox-process.js';

const RUNS = 5;
const bin = oneboxBin();
const dataDir = mkdtempSync(join(tmpdir(), 'onebox-bench-start-'));
try {
  await getStatus(1, '/'); // load node:https's client path before timing anything
  const first = await startServe(bin, dataDir);
  await stop(first.child);
  console.log(`first start (fresh data dir): ${first.msToFirst200.toFixed(0)} ms`);

  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await startServe(bin, dataDir);
    await stop(run.child);
    times.push(run.msToFirst200);
  }
  times.sort((a, b) => a - b);
  console.log(`runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  console.log(`start→first 200: ${times[Math.floor(RUNS / 2)].toFixed(0)} ms`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
