/**
 * Benchmark: what usage collection costs onebox. The real executable on the system libvirtd with
 * `--usage-interval 1` (ten times the default rate, so the cost stands out), its CPU time from
 * /proc over a 20 s window with no guest, then with N running TCG mini guests (BENCH_GUESTS,
 * default 2: each TCG guest takes a core on this 2-core machine). Each tick is one bulk
 * statistics call per host plus one SQLite transaction.
 * Run: node --import tsx bench/stats-cost.ts
 * The last line gives onebox's CPU % idle and with N guests, and the per-tick cost.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { miniImagePath } from '../test/fixtures/mini-image.js';
import { OneboxServer } from '../test/system/onebox-server.js';

const GUESTS = Number(process.env.BENCH_GUESTS ?? 2);
const WINDOW_S = 20;
const TICK_HZ = 1;
const CLK_TCK = 100;

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

async function cpuPercentOver(pid: number, seconds: number): Promise<number> {
  const a = cpuSeconds(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  return ((cpuSeconds(pid) - a) / ((performance.now() - t0) / 1000)) * 100;
}

const imagePath = await miniImagePath();
const server = await OneboxServer.start(['--usage-interval', String(1 / TICK_HZ)]);
try {
  await server.bootstrap();
  const pid = server.pid;
  if (pid === undefined) throw new Error('onebox serve has no pid');
  await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
  await sleep(3000);
  const idle = await cpuPercentOver(pid, WINDOW_S);
  console.log(`idle (no guest): onebox ${idle.toFixed(2)} % CPU`);
  const ids: string[] = [];
  for (let i = 0; i < GUESTS; i++) {
    const res = await server.call('POST', '/instances', { json: { name: `stats-${i}`, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: 'mini', sizeGiB: 1 }, start: true } });
    const op = await server.waitOperation(res);
    ids.push(op.targetId as string);
    await server.waitState(op.targetId as string, 'running');
  }
  await sleep(3000);
  const busy = await cpuPercentOver(pid, WINDOW_S);
  const perTickMs = ((busy - idle) / 100) * 1000 / TICK_HZ;
  console.log(`${GUESTS} running guests: onebox ${busy.toFixed(2)} % CPU`);
  console.log(`usage collection every ${1 / TICK_HZ} s: onebox ${idle.toFixed(2)} % CPU idle, ${busy.toFixed(2)} % with ${GUESTS} running guests (${perTickMs.toFixed(2)} ms CPU per tick more; at the default 10 s: ${(busy - idle) / 10 >= 0 ? ((busy - idle) / 10).toFixed(3) : '0'} % more)`);
} finally {
  await server.cleanup();
}
