/**
 * A guest flooding its serial console, through the real executable and the system libvirtd:
 *  - output nobody reads (`cat /dev/urandom > /dev/ttyS0` while the console client stopped
 *    reading): onebox's RSS stays bounded and flat, and the API and libvirt keep answering;
 *  - input the guest cannot take (a paused guest, a client pasting megabytes): the console's
 *    own libvirt connection backs up, not the one every other call uses.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { BINARY, OneboxServer, sleep } from './onebox-server.js';
import { rssMiB, startFlood, startMiniInstance } from './serial-flood-scenario.js';

const ready = existsSync(BINARY) && existsSync('/run/libvirt/libvirt-sock');
/** What the flood may add to the RSS onebox had with the guest running quietly (the runtime's own baseline moves with Node versions). */
const FLOOD_ALLOWANCE_MIB = 50;

describe('a guest flooding its serial console', { skip: !ready && 'needs bundle/onebox and libvirtd' }, () => {
  let server: OneboxServer;
  let id: string;
  let rssLimitMiB = 0;
  before(async () => {
    server = await OneboxServer.start();
    await server.bootstrap();
    id = await startMiniInstance(server, 'flood');
    await sleep(3_000);
    rssLimitMiB = rssMiB(server.pid!) + FLOOD_ALLOWANCE_MIB;
  });
  after(() => server?.cleanup());

  /** Calls the API and asserts it answers `status` within `withinMs`. */
  async function answers(method: string, path: string, status: number, withinMs: number): Promise<void> {
    const t = Date.now();
    const res = await Promise.race([server.call(method, path), sleep(withinMs + 5_000).then(() => undefined)]);
    const took = Date.now() - t;
    assert.ok(res, `${method} ${path} did not answer within ${withinMs + 5_000} ms`);
    assert.equal(res.status, status, `${method} ${path}: ${await res.clone().text()}`);
    assert.ok(took < withinMs, `${method} ${path} took ${took} ms`);
  }

  test('output nobody reads: RSS stays bounded and flat; reads, stats and power actions keep answering', { timeout: 240_000 }, async () => {
    const flood = await startFlood(server, id);
    try {
      const samples: number[] = [];
      for (let i = 0; i < 8; i++) {
        await sleep(5_000);
        samples.push(rssMiB(server.pid!));
        await answers('GET', `/instances/${id}`, 200, 2_000);
        await answers('GET', `/instances/${id}/stats`, 200, 5_000);
      }
      const peak = Math.max(...samples);
      assert.ok(peak < rssLimitMiB, `limit ${rssLimitMiB.toFixed(0)} MiB, RSS samples ${samples.map((s) => s.toFixed(0)).join(', ')} MiB`);
      assert.ok(samples[samples.length - 1] - samples[1] < 20, `RSS grows: ${samples.map((s) => s.toFixed(0)).join(', ')} MiB`);
      await answers('POST', `/instances/${id}/actions/pause`, 200, 10_000);
      await answers('POST', `/instances/${id}/actions/resume`, 200, 10_000);
    } finally {
      flood.close();
    }
  });

  test('input a paused guest cannot take backs up its own console, not the calls of everyone else', { timeout: 120_000 }, async () => {
    await answers('POST', `/instances/${id}/actions/pause`, 200, 10_000);
    const ticket = await server.json('POST', `/instances/${id}/console-tokens`, { json: { kind: 'serial' } });
    const ws = new WebSocket(server.wsUrl(ticket.path), server.wsOptions());
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    try {
      const line = Buffer.alloc(64 * 1024, 'x');
      for (let i = 0; i < 64; i++) ws.send(line); // 4 MiB for a UART whose guest is not running
      await sleep(3_000);
      const before = rssMiB(server.pid!);
      await answers('GET', `/instances/${id}/stats`, 200, 5_000);
      await answers('GET', `/instances/${id}`, 200, 2_000);
      await answers('POST', `/instances/${id}/actions/resume`, 200, 10_000);
      assert.ok(before < rssLimitMiB, `RSS ${before.toFixed(0)} MiB, limit ${rssLimitMiB.toFixed(0)} MiB`);
    } finally {
      ws.terminate();
    }
  });
});
