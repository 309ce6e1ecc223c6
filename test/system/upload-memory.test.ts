/**
 * Uploads are streamed to disk, never buffered: a 1 GiB image goes through the real
 * executable while its resident memory is sampled; the checksum is computed on the way.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { OneboxServer, type Json } from './onebox-server.js';

const GiB = 1024 ** 3;
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

const skip = skipUnlessPresent(bundle());
let server: OneboxServer;
before(async () => {
  if (skip) return;
  server = await OneboxServer.start();
  await server.bootstrap();
});
after(() => server?.cleanup());

test('a 1 GiB upload keeps the server under 200 MiB resident and gets the right SHA-256', { skip }, async () => {
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  const hash = createHash('sha256');
  let sent = 0;
  const body = Readable.from((function* () {
    while (sent < GiB) {
      sent += chunk.length;
      hash.update(chunk);
      yield chunk;
    }
  })());
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(server.pid!))), 50);
  const res = await server.call('POST', '/images?name=big', { body: Readable.toWeb(body) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
  clearInterval(sampler);
  assert.equal(res.status, 201, await res.clone().text());
  const image = (await res.json()) as Json;
  assert.equal(image.format, 'raw');
  assert.equal(image.sizeBytes, GiB);
  assert.equal(image.sha256, hash.digest('hex'));
  assert.ok(peak > 0 && peak < 200, `peak RSS ${peak.toFixed(0)} MiB`);
  assert.equal((await server.call('DELETE', `/images/${image.id}`)).status, 204);
});
