/**
 * Benchmark: create an instance from an image (qcow2 linked clone) with start=true, until
 * its domain is running; p50 over 20 creates on the real executable and libvirtd.
 * Each instance is deleted before the next, so only one TCG guest runs at a time.
 * Run: node build.mjs && node --import tsx bench/create-to-running.ts
 * ONEBOX_SERVE_ARGS='--local-agent loopback' measures with the host driven through the peer protocol.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { miniImagePath } from '../test/fixtures/mini-image.js';
import { OneboxServer, type Json } from '../test/system/onebox-server.js';

const RUNS = Number(process.env.RUNS ?? 20);

async function until(check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const serveArgs = (process.env.ONEBOX_SERVE_ARGS ?? '').split(' ').filter(Boolean);
const server = await OneboxServer.start(serveArgs);
try {
  await server.bootstrap();
  const image = (await (await server.call('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(await miniImagePath())) as ReadableStream })).json()) as Json;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const res = await server.call('POST', '/instances', {
      json: { name: `bench-${i}`, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id }, start: true },
    });
    const { instance, operation } = (await res.json()) as Json;
    await until(async () => (await server.json('GET', `/operations/${operation.id}`)).state !== 'running');
    const state = (await server.json('GET', `/instances/${instance.id}`)).state;
    const ms = performance.now() - t0;
    if (state !== 'running') throw new Error(`instance ${instance.id} ended ${state}`);
    times.push(ms);
    console.log(`run ${i + 1}: ${ms.toFixed(0)} ms`);
    const del = (await (await server.call('DELETE', `/instances/${instance.id}`)).json()) as Json;
    await until(async () => (await server.json('GET', `/operations/${del.operation.id}`)).state !== 'running');
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(0);
  console.log(`min ${times[0].toFixed(0)} ms, p90 ${pct(90)} ms, max ${times.at(-1)!.toFixed(0)} ms`);
  console.log(`create-from-image → running${serveArgs.length ? ` (${serveArgs.join(' ')})` : ''}: p50 ${pct(50)} ms over ${RUNS} creates`);
} finally {
  await server.cleanup();
}
