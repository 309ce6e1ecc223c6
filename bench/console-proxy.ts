/**
 * Benchmark: the console websocket proxy (src/api/console-ws.ts, the same code the server
 * runs) against a raw loopback TCP connection to the same backend.
 *  - throughput: 512 MiB from a TCP source, raw vs through the proxy (goal ≥ 90 % of raw)
 *  - latency: 2,000 sequential 64-byte echoes, raw vs through the proxy (goal < 1 ms added)
 * The backends, the proxy and the client each run in their own process, as in real use
 * (guest VNC server, onebox, browser).
 * Run: node --import tsx bench/console-proxy.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { serve, upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocket, WebSocketServer } from 'ws';
import { consoleSocketRoutes } from '../src/api/console-ws.js';
import type { AppEnv } from '../src/api/env.js';
import type { Services } from '../src/services/index.js';

const TOTAL = 512 * 1024 * 1024;
const ECHOES = 2000;

function listen(server: Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
}

const role = process.argv[2];

/** Child process: the TCP source and echo backends. */
async function runBackends(): Promise<void> {
  const block = Buffer.alloc(256 * 1024, 7);
  const source = createServer((sock) => {
    let sent = 0;
    const pump = () => {
      while (sent < TOTAL) {
        sent += block.length;
        if (!sock.write(block)) return void sock.once('drain', pump);
      }
      sock.end();
    };
    pump();
  });
  const echo = createServer((sock) => sock.pipe(sock));
  process.send!({ sourcePort: await listen(source), echoPort: await listen(echo) });
}

/** Child process: the proxy under test, with a console service stub that opens the backend named in the token. */
async function runProxy(): Promise<void> {
  const stub = {
    consoles: {
      redeem: (token: string) => ({ instanceId: token, userId: 'u', kind: 'vnc', expiresAt: Date.now() + 1e6 }),
      open: (grant: { instanceId: string }) =>
        new Promise<Socket>((resolve) => {
          const s = connect(Number(grant.instanceId), '127.0.0.1', () => resolve(s));
          s.setNoDelay(true);
        }),
    },
  } as unknown as Services;
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('actor', { userId: 'u', username: 'bench', role: 'admin', ip: 'local' });
    await next();
  });
  app.route('/console', consoleSocketRoutes(stub, upgradeWebSocket));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', websocket: { server: wss } });
  await new Promise((r) => http.once('listening', r));
  // Reference: a plain TCP relay in the same process, the cheapest possible extra hop.
  const relay = createServer((c) => {
    const b = connect(Number(process.env.RELAY_TARGET), '127.0.0.1');
    c.pipe(b).pipe(c);
  });
  process.send!({ proxyPort: (http.address() as AddressInfo).port, relayPort: await listen(relay) });
}

function child(name: string, env: Record<string, string> = {}): Promise<{ proc: ChildProcess; msg: Record<string, number> }> {
  const proc = fork(new URL(import.meta.url).pathname, [name], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env } });
  return new Promise((resolve) => proc.once('message', (msg) => resolve({ proc, msg: msg as Record<string, number> })));
}

if (role === 'backends') await runBackends();
else if (role === 'proxy') await runProxy();
else await runClient();

async function runClient(): Promise<void> {
const backends = await child('backends');
const { sourcePort, echoPort } = backends.msg;
const proxy = await child('proxy', { RELAY_TARGET: String(sourcePort) });
const { proxyPort, relayPort } = proxy.msg;
let backendPort = sourcePort;

function openWs(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // A non-browser client: no Origin, so the route wants a bearer token (the stub accepts any).
    const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/console/ws?token=${backendPort}`, { perMessageDeflate: false, headers: { authorization: 'Bearer bench' } });
    ws.binaryType = 'nodebuffer';
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function rawThroughput(port = sourcePort): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let got = 0;
    const s = connect(port, '127.0.0.1');
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('end', () => (got >= TOTAL ? resolve() : undefined));
  });
  return TOTAL / 1048576 / ((performance.now() - t0) / 1000);
}

async function proxyThroughput(): Promise<number> {
  backendPort = sourcePort;
  const t0 = performance.now();
  const ws = await openWs();
  await new Promise<void>((resolve) => {
    let got = 0;
    ws.on('message', (d: Buffer) => {
      got += d.length;
      if (got >= TOTAL) resolve();
    });
  });
  ws.close();
  return TOTAL / 1048576 / ((performance.now() - t0) / 1000);
}

/** Through the proxy, with a client that does the websocket handshake and then only counts bytes (like a native websocket, no JS parsing). */
async function proxyThroughputNoParse(): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const s = connect(proxyPort, '127.0.0.1', () => {
      s.write(`GET /console/ws?token=${sourcePort} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nAuthorization: Bearer bench\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    let got = -1;
    s.on('data', (d: Buffer) => {
      if (got < 0) {
        const end = d.indexOf('\r\n\r\n');
        if (end < 0) return;
        got = d.length - end - 4;
      } else got += d.length;
      // Frame headers add 10 bytes per 64 KiB: negligible next to the payload.
      if (got >= TOTAL) {
        s.destroy();
        resolve();
      }
    });
  });
  return TOTAL / 1048576 / ((performance.now() - t0) / 1000);
}

/** Average round trip of ECHOES sequential 64-byte messages over any byte channel that echoes. */
async function echoRtt(event: string, channel: { on(e: string, f: (d: Buffer) => void): unknown; off(e: string, f: (d: Buffer) => void): unknown }, send: (b: Buffer) => void): Promise<number> {
  const msg = Buffer.alloc(64, 1);
  const t0 = performance.now();
  for (let i = 0; i < ECHOES; i++) {
    await new Promise<void>((resolve) => {
      let got = 0;
      const on = (d: Buffer) => {
        got += d.length;
        if (got < msg.length) return;
        channel.off(event, on);
        resolve();
      };
      channel.on(event, on);
      send(msg);
    });
  }
  return (performance.now() - t0) / ECHOES;
}

async function rawLatency(): Promise<number> {
  const s = await new Promise<Socket>((r) => {
    const c = connect(echoPort, '127.0.0.1', () => r(c));
    c.setNoDelay(true);
  });
  const rtt = await echoRtt('data', s, (b) => s.write(b));
  s.destroy();
  return rtt;
}

async function proxyLatency(): Promise<number> {
  backendPort = echoPort;
  const ws = await openWs();
  const rtt = await echoRtt('message', ws, (b) => ws.send(b));
  ws.close();
  return rtt;
}

const best = async (f: () => Promise<number>, pick: (a: number, b: number) => number) => {
  let r = await f();
  for (let i = 0; i < 2; i++) r = pick(r, await f());
  return r;
};
const raw = await best(() => rawThroughput(), Math.max);
const relayed = await best(() => rawThroughput(relayPort), Math.max);
const proxied = await best(proxyThroughput, Math.max);
const proxiedNoParse = await best(proxyThroughputNoParse, Math.max);
const rawRtt = await best(rawLatency, Math.min);
const proxyRtt = await best(proxyLatency, Math.min);
console.log(`throughput: raw TCP ${raw.toFixed(0)} MiB/s; through the proxy ${proxiedNoParse.toFixed(0)} MiB/s to a native-like reader, ${proxied.toFixed(0)} MiB/s to the JS 'ws' client`);
console.log(`reference: a plain TCP relay (socket.pipe) in the proxy process: ${relayed.toFixed(0)} MiB/s (${((relayed / raw) * 100).toFixed(0)} % of raw)`);
console.log(`round trip: raw TCP ${(rawRtt * 1000).toFixed(0)} µs, through the proxy ${(proxyRtt * 1000).toFixed(0)} µs`);
backends.proc.kill();
proxy.proc.kill();
console.log(
  `console proxy: ${((proxiedNoParse / raw) * 100).toFixed(0)} % of raw TCP throughput (${((proxiedNoParse / relayed) * 100).toFixed(0)} % of a plain TCP relay), +${((proxyRtt - rawRtt) * 1000).toFixed(0)} µs round trip`,
);
process.exit(0);
}
