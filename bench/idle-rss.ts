/**
 * Benchmark: resident memory of `onebox serve` after its first 200 and 3 s of idling
 * (VmRSS from /proc/<pid>/status).   Run: node --import tsx bench/idle-rss.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { oneboxBin, startServe, stop } from './onebox-process.js';

function vmRssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  const kib = Number(line?.match(/(\d+)\s*kB/)?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no VmRSS for pid ${pid}`);
  return kib;
}

const dataDir = mkdtempSync(join(tmpdir(), 'onebox-bench-rss-'));
try {
  const { child } = await startServe(oneboxBin(), dataDir);
  try {
    await sleep(3_000);
    if (child.pid === undefined) throw new Error('onebox serve has no pid');
    const rss = vmRssKiB(child.pid);
    console.log(`idle RSS: ${(rss / 1024).toFixed(1)} MiB`);
  } finally {
    await stop(child);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
