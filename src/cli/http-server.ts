/**
 * The HTTP(S) server of `onebox serve`: the app, its websockets, and timeouts that suit large
 * uploads. Node's default `requestTimeout` (5 min for the whole request, body included) would
 * cut off any upload slower than that; instead there is none, and a connection on which nothing
 * moves for `idleTimeoutMs` is closed (slow clients are fine, stalled ones are not).
 * An idle keep-alive connection is kept as long (Node's default is 5 s): a client or reverse proxy
 * that reuses a connection after a pause of a few seconds would otherwise send its request just
 * as the server closes it, and get "other side closed" (a 502 behind a proxy). Clients read the
 * `Keep-Alive: timeout=60` hint and close first.
 * Under TLS the same port answers plain HTTP with a redirect to HTTPS (see plain-http-redirect.ts).
 */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { serve, type ServerType } from '@hono/node-server';
import type { WebSocketServer } from 'ws';
import { redirectPlainHttp } from './plain-http-redirect.js';

type FetchHandler = Parameters<typeof serve>[0]['fetch'];

/** A connection idle this long is closed (websockets excepted: they have their own pings). */
export const IDLE_TIMEOUT_MS = 60_000;

/** What to serve, and where. */
export interface HttpServerOptions {
  fetch: FetchHandler;
  port: number;
  hostname: string;
  websocket?: WebSocketServer;
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP without. */
  tls?: { certPem: string; keyPem: string };
  /** Under TLS: the Host headers a plain-HTTP request may be redirected to (others get 400). */
  allowsHost?: (host: string | undefined) => boolean;
  idleTimeoutMs?: number;
  onListening?: (address: AddressInfo) => void;
}

/** Starts the server. */
export function startHttpServer(opts: HttpServerOptions): ServerType {
  const idleTimeoutMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  const timeouts = { requestTimeout: 0, keepAliveTimeout: idleTimeoutMs };
  const transport = opts.tls
    ? { createServer: createHttpsServer, serverOptions: { ...timeouts, cert: opts.tls.certPem, key: opts.tls.keyPem, minVersion: 'TLSv1.2' as const } }
    : { serverOptions: timeouts };
  const server = serve(
    { fetch: opts.fetch, port: opts.port, hostname: opts.hostname, ...(opts.websocket ? { websocket: { server: opts.websocket } } : {}), ...transport },
    (address) => opts.onListening?.(address),
  );
  // With no 'timeout' listener, Node destroys a socket that stayed idle this long.
  server.setTimeout(idleTimeoutMs);
  if (opts.tls) redirectPlainHttp(server as TlsServer, opts.allowsHost ?? (() => true), idleTimeoutMs);
  return server;
}
