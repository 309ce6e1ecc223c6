/**
 * Benchmark: resident memory of `onebox serve` while a guest writes random bytes to its serial
 * port as fast as it can and the console client reads nothing (goal: < 150 MiB after 60 s,
 * flat). Needs the system libvirtd and the mini test image; boots one TCG guest.
 * Run: node --import tsx bench/serial-flood-rss.ts   (after `node build.mjs`)
 */
import { OneboxServer, sleep } from '../test/system/onebox-server.js';
import { rssMiB, startFlood, startMiniInstance } from '../test/system/serial-flood-scenario.js';

const SECONDS = Number(process.env.SECONDS ?? 60);

const server = await OneboxServer.start((process.env.ONEBOX_SERVE_ARGS ?? '').split(' ').filter(Boolean));
try {
  await server.bootstrap();
  const id = await startMiniInstance(server, 'flood-bench');
  const pid = server.pid as number;
  const before = rssMiB(pid);
  const flood = await startFlood(server, id);
  const samples: number[] = [];
  for (let t = 10; t <= SECONDS; t += 10) {
    await sleep(10_000);
    samples.push(rssMiB(pid));
    console.log(`t=${t}s RSS ${samples[samples.length - 1].toFixed(1)} MiB`);
  }
  flood.close();
  const last = samples[samples.length - 1];
  console.log(`before the flood ${before.toFixed(1)} MiB; the client read ${(flood.received / 1024).toFixed(0)} KiB, then nothing`);
  console.log(`serial flood RSS after ${SECONDS} s: ${last.toFixed(1)} MiB (min ${Math.min(...samples).toFixed(1)}, max ${Math.max(...samples).toFixed(1)} over the run)`);
} finally {
  await server.cleanup();
}
