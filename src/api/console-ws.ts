/**
 * The console websocket: redeems a single-use token (before the upgrade, so a bad token gets
 * a 4xx problem+json), then pipes bytes between the browser and the console stream that the
 * console service opens (the guest's VNC server or its serial console). Transport only.
 * Bounded both ways: output waits while the browser's backlog is high, input stops being
 * read from the websocket while the console does not take it, messages are at most 1 MiB,
 * and a browser that stops answering pings is dropped.
 */
import type { Duplex } from 'node:stream';
import { Hono } from 'hono';
import type { UpgradeWebSocket, WSContext } from 'hono/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import type { ConsoleGrant } from '../services/instances/consoles.js';
import type { Services } from '../services/index.js';
import { checkOrigin } from './ws-origin.js';
import type { AppEnv } from './env.js';
import { doc } from './route-doc.js';

// Above this much data handed to the websocket but not yet written to its socket, the console
// stream is paused; it resumes once the backlog drops below half (send callbacks, no polling).
const HIGH_WATER = 4 * 1024 * 1024;

// Input a browser may send before the console stream is open.
const MAX_PENDING = 64 * 1024;

/** The largest websocket message a console accepts (ws closes the socket with 1009 above it). */
export const CONSOLE_MAX_PAYLOAD = 1024 * 1024;

/** How often a console websocket is pinged; a peer that misses two pongs is terminated. */
export const CONSOLE_PING_INTERVAL_MS = 30_000;

/** The WebSocketServer the console routes run on: 1 MiB messages at most; noVNC's 'binary' subprotocol when offered. */
export function createConsoleWebSocketServer(): WebSocketServer {
  return new WebSocketServer({ noServer: true, maxPayload: CONSOLE_MAX_PAYLOAD, handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false) });
}

/** Tuning of the console routes. */
export interface ConsoleSocketOptions {
  /** Tests shorten the ping interval. */
  pingIntervalMs?: number;
  /** A browser origin accepted besides the request's own host (`--public-url` behind a proxy). */
  publicOrigin?: string;
}

/** Closes a websocket with a reason cut to the protocol's 123-byte limit; never throws. */
function closeWith(ws: WSContext, code: number, reason: string): void {
  let text = reason;
  while (Buffer.byteLength(text) > 123) text = text.slice(0, -1);
  try {
    ws.close(code, text);
  } catch (err) {
    log.warn('closing a console websocket failed', { error: String(err) });
  }
}

type ConsoleEnv = AppEnv & { Variables: AppEnv['Variables'] & { grant: ConsoleGrant } };

/**
 * Pipes one websocket to one console stream with backpressure in both directions. Console
 * output arrives in many tiny chunks (a serial port is a byte at a time): while one frame is
 * being written, later chunks are gathered into the next frame instead of becoming a frame
 * (and a TLS record, and a write request) each, and past HIGH_WATER gathered bytes the stream
 * is paused. So a guest flooding a console nobody reads costs a bounded amount of memory.
 */
function bridge(ws: WSContext, target: Duplex): void {
  const raw = ws.raw as WebSocket;
  let gathered: Buffer[] = [];
  let gatheredBytes = 0;
  let writing = false;
  const flush = () => {
    if (writing || gatheredBytes === 0 || raw.readyState !== raw.OPEN) return;
    const frame = gathered.length === 1 ? gathered[0] : Buffer.concat(gathered, gatheredBytes);
    gathered = [];
    gatheredBytes = 0;
    writing = true;
    raw.send(frame, { binary: true }, () => {
      writing = false;
      if (target.isPaused()) target.resume();
      flush();
    });
  };
  target.on('data', (chunk: Buffer) => {
    gathered.push(chunk);
    gatheredBytes += chunk.length;
    if (gatheredBytes > HIGH_WATER) target.pause();
    flush();
  });
  target.once('close', () => ws.readyState === 1 && closeWith(ws, 1000, 'console closed'));
  target.once('error', (err) => {
    log.info('console stream ended', { error: String(err) });
    if (ws.readyState === 1) closeWith(ws, 1011, 'console stream failed');
  });
}

/** A liveness check of one websocket peer. */
interface Heartbeat {
  /** Something arrived from the peer (a pong waits behind the peer's own data, so any message counts). */
  alive(): void;
  stop(): void;
}

/**
 * Pings every `intervalMs`; terminates the peer once two pings went unanswered. While we
 * paused reading the websocket (input backpressure) nothing can arrive, so nothing is counted.
 */
function heartbeat(raw: WebSocket, intervalMs: number): Heartbeat {
  let missed = 0;
  const alive = () => void (missed = 0);
  raw.on('pong', alive);
  const timer = setInterval(() => {
    if (raw.isPaused) return alive();
    if (missed >= 2) return void raw.terminate();
    missed++;
    raw.ping();
  }, intervalMs);
  timer.unref();
  return { alive, stop: () => clearInterval(timer) };
}

/** Writes browser input to the console; while the console does not take it, stops reading the websocket. */
function forward(ws: WSContext, target: Duplex, data: Buffer): void {
  if (target.write(data)) return;
  const raw = ws.raw as WebSocket;
  raw.pause();
  target.once('drain', () => raw.resume());
}

/** /console/ws — mounted behind the auth middleware, so the token is also bound to the caller. */
export function consoleSocketRoutes(s: Services, upgradeWebSocket: UpgradeWebSocket, opts: ConsoleSocketOptions = {}) {
  const pingIntervalMs = opts.pingIntervalMs ?? CONSOLE_PING_INTERVAL_MS;
  return new Hono<ConsoleEnv>().get(
    '/ws',
    doc({
      summary: 'Console websocket (?token= from POST /instances/{id}/console-tokens)',
      description: 'Binary frames: VNC RFB or serial bytes. A request that is not a websocket upgrade: 426 websocket_required.',
      responses: { 101: { mediaType: 'application/octet-stream', description: 'Switching to the WebSocket protocol' } },
    }),
    async (c, next) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
        throw new AppError('websocket_required', 'This endpoint speaks WebSocket only; connect with a WebSocket client.');
      checkOrigin(c.req.header('origin'), c.req.header('host'), c.req.header('authorization') !== undefined, opts.publicOrigin);
      const token = c.req.query('token');
      if (!token) throw new AppError('console_token_missing', 'Pass the console token as ?token=.');
      c.set('grant', s.consoles.redeem(token, c.var.actor));
      await next();
    },
    upgradeWebSocket((c) => {
      const grant = c.get('grant' as never) as ConsoleGrant;
      let target: Duplex | undefined;
      let closed = false;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let beat: Heartbeat | undefined;
      return {
        onOpen(_evt, ws) {
          beat = heartbeat(ws.raw as WebSocket, pingIntervalMs);
          s.consoles.open(grant).then(
            (stream) => {
              // The browser may have gone while the stream was opening.
              if (closed) return void stream.destroy();
              target = stream;
              for (const chunk of pending) forward(ws, stream, chunk);
              pending = [];
              bridge(ws, stream);
            },
            (err: unknown) => closeWith(ws, 1011, err instanceof Error ? err.message : String(err)),
          );
        },
        onMessage(evt, ws) {
          beat?.alive();
          const data = typeof evt.data === 'string' ? Buffer.from(evt.data) : Buffer.from(evt.data as ArrayBuffer);
          if (target) return forward(ws, target, data);
          pendingBytes += data.length;
          if (pendingBytes > MAX_PENDING) return closeWith(ws, 1009, 'too much input before the console opened');
          pending.push(data);
        },
        onClose() {
          closed = true;
          beat?.stop();
          target?.destroy();
        },
      };
    }),
  );
}
