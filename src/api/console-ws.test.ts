import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { serve, upgradeWebSocket, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocket, WebSocketServer } from 'ws';
import type { Services } from '../services/index.js';
import { consoleSocketRoutes } from './console-ws.js';
import type { AppEnv } from './env.js';
import { onError } from './problem.js';

// The real route on a real socket, with a console service stub whose behaviour each test sets.
let open: () => Promise<PassThrough>;
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
  app.route('/console', consoleSocketRoutes(stub, upgradeWebSocket));
  app.route('/proxied', consoleSocketRoutes(stub, upgradeWebSocket, { publicOrigin: 'https://cloud.example.com' }));
  http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', websocket: { server: new WebSocketServer({ noServer: true }) } });
  await new Promise((r) => http.once('listening', r));
  url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/console/ws?token=t`;
});
after(() => http.close());

const connect = () =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: 'Bearer t' } });
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
