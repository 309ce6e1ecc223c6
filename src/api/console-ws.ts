/**
 * The console websocket: redeems a single-use token (before the upgrade, so a bad token gets
 * a 4xx problem+json), then pipes bytes between the browser and the console stream that the
 * console service opens (the guest's VNC server or its serial console). Transport only.
 */
import type { Duplex } from 'node:stream';
import { Hono } from 'hono';
import type { UpgradeWebSocket, WSContext } from 'hono/ws';
import type { WebSocket } from 'ws';
import { AppError, ForbiddenError, ValidationError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import type { ConsoleGrant } from '../services/consoles.js';
import type { Services } from '../services/index.js';
import type { AppEnv } from './env.js';

// Above this much data handed to the websocket but not yet written to its socket, the console
// stream is paused; it resumes once the backlog drops below half (send callbacks, no polling).
const HIGH_WATER = 4 * 1024 * 1024;

// Input a browser may send before the console stream is open.
const MAX_PENDING = 64 * 1024;

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

/** Pipes one websocket to one console stream with backpressure in both directions. */
function bridge(ws: WSContext, target: Duplex): void {
  const raw = ws.raw as WebSocket;
  let backlog = 0;
  target.on('data', (chunk: Buffer) => {
    backlog += chunk.length;
    raw.send(chunk, { binary: true }, () => {
      backlog -= chunk.length;
      if (backlog < HIGH_WATER / 2 && target.isPaused()) target.resume();
    });
    if (backlog > HIGH_WATER) target.pause();
  });
  target.once('close', () => ws.readyState === 1 && closeWith(ws, 1000, 'console closed'));
  target.once('error', (err) => {
    log.info('console stream ended', { error: String(err) });
    if (ws.readyState === 1) closeWith(ws, 1011, 'console stream failed');
  });
}

/** Options of {@link consoleSocketRoutes}. */
export interface ConsoleSocketOptions {
  /** A browser origin accepted besides the request's own host (`--public-url` behind a proxy). */
  publicOrigin?: string;
}

/** `host[:port]` of a URL or of a Host header under a scheme, default port dropped; undefined when malformed. */
function hostPort(scheme: string, authority: string): string | undefined {
  try {
    return new URL(`${scheme}//${authority}`).host;
  } catch {
    return undefined;
  }
}

/**
 * Browsers always send Origin on a websocket: it must be this server as the browser addressed it
 * (the Host header) or the configured public origin. No Origin means a non-browser client, which
 * must then authenticate with a bearer token (a cookie alone is what a browser would carry).
 */
function checkOrigin(origin: string | undefined, host: string | undefined, hasBearer: boolean, publicOrigin: string | undefined): void {
  if (origin === undefined) {
    if (hasBearer) return;
    throw new ForbiddenError('A console websocket without an Origin header must authenticate with an API token.', 'origin_not_allowed');
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = undefined;
  }
  const same = parsed !== undefined && host !== undefined && parsed.host === hostPort(parsed.protocol, host);
  const configured = parsed !== undefined && publicOrigin !== undefined && parsed.origin === new URL(publicOrigin).origin;
  if (!same && !configured)
    throw new ForbiddenError(`A console websocket from the page at '${origin.slice(0, 100)}' is not allowed: it must come from this server's own pages.`, 'origin_not_allowed');
}

/** /console/ws — mounted behind the auth middleware, so the token is also bound to the caller. */
export function consoleSocketRoutes(s: Services, upgradeWebSocket: UpgradeWebSocket, opts: ConsoleSocketOptions = {}) {
  return new Hono<ConsoleEnv>().get(
    '/ws',
    async (c, next) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
        throw new AppError(426, 'websocket_required', 'This endpoint speaks WebSocket only; connect with a WebSocket client.');
      checkOrigin(c.req.header('origin'), c.req.header('host'), c.req.header('authorization') !== undefined, opts.publicOrigin);
      const token = c.req.query('token');
      if (!token) throw new ValidationError('Pass the console token as ?token=.', undefined, 'console_token_missing');
      c.set('grant', s.consoles.redeem(token, c.var.actor));
      await next();
    },
    upgradeWebSocket((c) => {
      const grant = c.get('grant' as never) as ConsoleGrant;
      let target: Duplex | undefined;
      let closed = false;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      return {
        onOpen(_evt, ws) {
          s.consoles.open(grant).then(
            (stream) => {
              // The browser may have gone while the stream was opening.
              if (closed) return void stream.destroy();
              target = stream;
              for (const chunk of pending) stream.write(chunk);
              pending = [];
              bridge(ws, stream);
            },
            (err: unknown) => closeWith(ws, 1011, err instanceof Error ? err.message : String(err)),
          );
        },
        onMessage(evt, ws) {
          const data = typeof evt.data === 'string' ? Buffer.from(evt.data) : Buffer.from(evt.data as ArrayBuffer);
          if (target) return void target.write(data);
          pendingBytes += data.length;
          if (pendingBytes > MAX_PENDING) return closeWith(ws, 1009, 'too much input before the console opened');
          pending.push(data);
        },
        onClose() {
          closed = true;
          target?.destroy();
        },
      };
    }),
  );
}
