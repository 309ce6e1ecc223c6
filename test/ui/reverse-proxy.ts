/**
 * A tiny reverse proxy for UI tests: forwards `/<prefix>/*` to a backend with the prefix
 * stripped, HTTP requests and websocket upgrades alike, keeping the browser's Host header —
 * what Caddy would do in front of onebox under a path prefix. With `tls` it speaks HTTPS on
 * both sides (the backend's certificate checked against `tls.ca`).
 */
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

/** Certificate and key the proxy serves, and the CA that vouches for the backend. */
export interface ProxyTls {
  cert: string;
  key: string;
  ca: string;
}

/** A running proxy. */
export interface ReverseProxy {
  port: number;
  /** Requests seen (method and path as the browser sent them). */
  seen: string[];
  close(): Promise<void>;
}

/** Path with the prefix removed, or undefined when it lies outside the prefix. */
const strip = (url: string, prefix: string) => (url === prefix ? '/' : url.startsWith(`${prefix}/`) ? url.slice(prefix.length) : undefined);

function rawHeaders(req: IncomingMessage, path: string): string {
  const lines = [`${req.method} ${path} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Starts a proxy on a free loopback port forwarding `prefix` (like `/prefix`) to `backendPort`. */
export async function startReverseProxy(backendPort: number, prefix: string, tls?: ProxyTls): Promise<ReverseProxy> {
  const seen: string[] = [];
  const tunnels = new Set<Duplex>();
  const request = tls ? httpsRequest : httpRequest;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    const path = strip(req.url ?? '/', prefix);
    if (path === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('outside the proxied prefix\n');
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: backendPort, method: req.method, path, headers: { ...req.headers, 'x-forwarded-prefix': prefix }, ca: tls?.ca },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.rawHeaders);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.headersSent || res.writeHead(502).end());
    req.pipe(upstream);
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
  server.on('upgrade', (req, socket, head) => {
    seen.push(`UPGRADE ${req.url}`);
    const path = strip(req.url ?? '/', prefix);
    if (path === undefined) return socket.destroy();
    const onConnect = () => {
      upstream.write(rawHeaders(req, path));
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    };
    const upstream = tls ? tlsConnect({ port: backendPort, host: '127.0.0.1', ca: tls.ca }, onConnect) : connect(backendPort, '127.0.0.1', onConnect);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    for (const s of [socket, upstream]) {
      tunnels.add(s);
      s.once('close', () => tunnels.delete(s));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        for (const s of tunnels) s.destroy(); // upgraded sockets are no longer the HTTP server's
        server.close(() => r());
      }),
  };
}
