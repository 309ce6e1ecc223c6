/**
 * A tiny reverse proxy for UI tests: forwards `/<prefix>/*` to a backend with the prefix
 * stripped, HTTP requests and websocket upgrades alike — what nginx or Caddy would do in
 * front of onebox under a path prefix.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/** A running proxy. */
export interface ReverseProxy {
  port: number;
  /** Requests seen (method and path as the browser sent them). */
  seen: string[];
  close(): Promise<void>;
}

/** Path with the prefix removed, or undefined when it lies outside the prefix. */
const strip = (url: string, prefix: string) => (url === prefix ? '/' : url.startsWith(`${prefix}/`) ? url.slice(prefix.length) : undefined);

function rawHeaders(req: IncomingMessage, path: string, backendPort: number): string {
  const lines = [`${req.method} ${path} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    lines.push(`${name}: ${name.toLowerCase() === 'host' ? `127.0.0.1:${backendPort}` : req.rawHeaders[i + 1]}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Starts a proxy on a free loopback port forwarding `prefix` (like `/prefix`) to `backendPort`. */
export async function startReverseProxy(backendPort: number, prefix: string): Promise<ReverseProxy> {
  const seen: string[] = [];
  const tunnels = new Set<Duplex>();
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const path = strip(req.url ?? '/', prefix);
    if (path === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('outside the proxied prefix\n');
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: backendPort, method: req.method, path, headers: { ...req.headers, host: `127.0.0.1:${backendPort}`, 'x-forwarded-prefix': prefix } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.rawHeaders);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.headersSent || res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket, head) => {
    seen.push(`UPGRADE ${req.url}`);
    const path = strip(req.url ?? '/', prefix);
    if (path === undefined) return socket.destroy();
    const upstream = connect(backendPort, '127.0.0.1', () => {
      upstream.write(rawHeaders(req, path, backendPort));
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
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
