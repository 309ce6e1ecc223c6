import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { startHttpServer } from './http-server.js';

// An "upload" route that counts the bytes of the body it receives.
let server: ServerType;
let port = 0;
const IDLE_MS = 400;
before(async () => {
  const app = new Hono().post('/upload', async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
  server = startHttpServer({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', idleTimeoutMs: IDLE_MS });
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

/** Sends `chunks` chunks of 1 KiB, `gapMs` apart; resolves with the answer or the connection error. */
function slowUpload(chunks: number, gapMs: number): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/upload', headers: { 'content-length': String(chunks * 1024) } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (err) => resolve({ error: err.message }));
    let sent = 0;
    const tick = () => {
      if (req.destroyed) return;
      req.write(Buffer.alloc(1024));
      if (++sent < chunks) setTimeout(tick, gapMs);
      else req.end();
    };
    tick();
  });
}

test('no whole-request timeout: an upload that trickles for many idle periods completes', async () => {
  assert.equal((server as import('node:http').Server).requestTimeout, 0);
  // 12 chunks, 200 ms apart: 2.4 s in all, six times the idle timeout, never idle for long.
  assert.deepEqual(await slowUpload(12, IDLE_MS / 2), { status: 200, body: JSON.stringify({ bytes: 12 * 1024 }) });
});

test('an upload that stalls longer than the idle timeout is cut off', async () => {
  const result = await slowUpload(3, IDLE_MS * 3);
  assert.ok(result.error, `expected the connection to be closed, got ${JSON.stringify(result)}`);
});

test('an idle keep-alive connection is kept as long as the idle timeout, not 5 s, and the answer says so', async () => {
  const app = new Hono().get('/', (c) => c.text('ok'));
  const longer = startHttpServer({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', idleTimeoutMs: 8_000 });
  try {
    await new Promise((r) => longer.once('listening', r));
    const res = await fetch(`http://127.0.0.1:${(longer.address() as AddressInfo).port}/`);
    await res.text();
    assert.equal(res.headers.get('keep-alive'), 'timeout=8');
    assert.equal((longer as import('node:http').Server).keepAliveTimeout, 8_000);
  } finally {
    await new Promise((r) => longer.close(r));
  }
});
