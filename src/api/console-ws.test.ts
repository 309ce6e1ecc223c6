import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { serve, upgradeWebSocket, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocket } from 'ws';
import type { Services } from '../services/index.js';
import { CONSOLE_MAX_PAYLOAD, consoleSocketRoutes, createConsoleWebSocketServer } from './console-ws.js';
import type { AppEnv } from './env.js';
import { onError } from './problem.js';

// The real route on a real socket (and the server's real WebSocketServer), with a console
// service stub whose behaviour each test sets. Pings every 100 ms instead of 30 s.
const PING_MS = 100;
let open: () => Promise<Duplex>;
const stub = { consoles: { redeem: () => ({ instanceId: 'i', userId: 'u', kind: 'serial', expiresAt: 0 }), open: () => open() } } as unknown as Services;
let http: ServerType;
let url: string;

before(async () => {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.use('*', async (c, next) => {
    c.set('actor', { userId: 'u', username: 't', role: 'admin', ip: 'local' });
    await next();
  });
  app.route('/console', consoleSocketRoutes(stub, upgradeWebSocket, { pingIntervalMs: PING_MS }));
  app.route('/proxied', consoleSocketRoutes(stub, upgradeWebSocket, { pingIntervalMs: PING_MS, publicOrigin: 'https://cloud.example.com' }));
  http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', websocket: { server: createConsoleWebSocketServer() } });
  await new Promise((r) => http.once('listening', r));
  url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/console/ws?token=t`;
});
after(() => http.close());

const connect = (opts: { autoPong?: boolean } = {}) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { ...opts, headers: { authorization: 'Bearer t' } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });

test('bytes flow both ways; input sent before the stream opens is delivered', async () => {
  const stream = new PassThrough();
  open = () => new Promise((r) => setTimeout(() => r(stream), 50));
  const ws = await connect();
  ws.send(Buffer.from('early '));
  const echoed = new Promise<string>((r) => ws.once('message', (d: Buffer) => r(d.toString())));
  // The PassThrough echoes what the browser wrote back to it.
  assert.equal(await echoed, 'early ');
  ws.close();
});

test('a browser that leaves before the stream opens does not leak it', async () => {
  const stream = new PassThrough();
  let resolveOpen!: (s: PassThrough) => void;
  open = () => new Promise((r) => (resolveOpen = r));
  const ws = await connect();
  ws.close();
  await new Promise((r) => ws.once('close', r));
  await new Promise((r) => setTimeout(r, 50));
  resolveOpen(stream);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(stream.destroyed, true);
});

test('an open failure with a long non-ASCII message closes the socket with 1011, and the server lives on', async () => {
  open = () => Promise.reject(new Error('ü'.repeat(200)));
  const ws = await connect();
  const code = await new Promise<number>((r) => ws.once('close', (c: number) => r(c)));
  assert.equal(code, 1011);
  open = async () => new PassThrough();
  (await connect()).close();
});

/** A console that takes input only once accept() is called (a guest that does not read its UART). */
class StalledConsole extends Duplex {
  taken = 0;
  private accepting = false;
  private readonly held: Array<() => void> = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.taken += chunk.length;
    if (this.accepting) cb();
    else this.held.push(cb);
  }
  accept(): void {
    this.accepting = true;
    for (const cb of this.held.splice(0)) cb();
  }
}

const closeCode = (ws: WebSocket) => new Promise<number>((r) => ws.once('close', (c: number) => r(c)));

test('input the console does not take stops being read from the websocket; all of it arrives once the console takes it', async () => {
  const stalled = new StalledConsole();
  open = async () => stalled;
  const ws = await connect();
  const message = Buffer.alloc(64 * 1024, 1);
  const count = 400;
  for (let i = 0; i < count; i++) ws.send(message);
  await new Promise((r) => setTimeout(r, 300));
  // The rest waits in the socket buffers (and, beyond what the kernel holds, in the sender).
  assert.ok(stalled.writableLength < 2 * 1024 * 1024, `${stalled.writableLength} bytes of input queued in onebox`);
  stalled.accept();
  for (let i = 0; i < 500 && stalled.taken < count * message.length; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(stalled.taken, count * message.length);
  ws.close();
});

test('a message over 1 MiB closes the websocket with 1009', { timeout: 10_000 }, async () => {
  open = async () => new PassThrough();
  const ws = await connect();
  const code = closeCode(ws);
  ws.send(Buffer.alloc(CONSOLE_MAX_PAYLOAD + 1));
  assert.equal(await code, 1009);
});

test('a peer that stops answering pings is dropped after two missed pongs; one that answers stays', { timeout: 10_000 }, async () => {
  open = async () => new PassThrough();
  const silent = await connect({ autoPong: false });
  const alive = await connect();
  const started = Date.now();
  const code = await closeCode(silent);
  const after = Date.now() - started;
  assert.equal(code, 1006, 'terminated, not closed');
  assert.ok(after >= 2 * PING_MS && after < 10 * PING_MS, `dropped after ${after} ms`);
  await new Promise((r) => setTimeout(r, 4 * PING_MS));
  assert.equal(alive.readyState, WebSocket.OPEN);
  alive.close();
});

/** Opens a websocket with these headers: 101, or the refusal's status and problem code. */
const handshake = (headers: Record<string, string>, target = url) =>
  new Promise<{ status: number; code?: string }>((resolve, reject) => {
    const ws = new WebSocket(target, { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, code: String(res.headers['x-problem-code']) }));
    ws.once('error', reject);
  });

test('the console websocket checks Origin: this server\'s own pages only; no Origin only with a bearer token', async () => {
  open = async () => new PassThrough();
  const self = new URL(url).host;
  assert.deepEqual(await handshake({ origin: `http://${self}` }), { status: 101 });
  assert.deepEqual(await handshake({ origin: `http://${self}`, host: self.toUpperCase() }), { status: 101 });
  assert.deepEqual(await handshake({ authorization: 'Bearer t' }), { status: 101 }, 'a script with a token sends no Origin');
  const refused: Record<string, string>[] = [{ origin: 'http://evil.example' }, { origin: `http://${self}.evil.example` }, { origin: `http://${self.split(':')[0]}:1` }, { origin: 'null' }, {}];
  for (const headers of refused)
    assert.deepEqual(await handshake(headers), { status: 403, code: 'origin_not_allowed' }, JSON.stringify(headers));
  const proxied = url.replace('/console/', '/proxied/');
  assert.deepEqual(await handshake({ origin: 'https://cloud.example.com' }, proxied), { status: 101 }, 'the --public-url origin behind a proxy');
  assert.deepEqual(await handshake({ origin: 'http://cloud.example.com' }, proxied), { status: 403, code: 'origin_not_allowed' });
});
