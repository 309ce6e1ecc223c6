/**
 * One port, two protocols: someone who types `http://host:5870/` gets a redirect to
 * `https://host:5870/` instead of a connection that closes with nothing. The first byte of a
 * connection tells them apart: a TLS handshake record starts with 22 (0x16), an HTTP request
 * with a letter. The byte is put back and the socket handed to the TLS server as if it had
 * accepted it (a TLSSocket first consumes what its socket already buffered), or to a tiny
 * plain-HTTP server that only redirects.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';

/** The content type of a TLS handshake record, the first byte a TLS client sends. */
const TLS_HANDSHAKE = 0x16;

type ConnectionListener = (socket: Socket) => void;

/** Makes `server` (listening for TLS) answer plain-HTTP requests with a redirect to https on the Host they named, when `allowsHost` knows it. */
export function redirectPlainHttp(server: TlsServer, allowsHost: (host: string | undefined) => boolean, idleTimeoutMs: number): void {
  const plain = createServer({ requestTimeout: 10_000 }, (req, res) => answerPlain(req, res, allowsHost));
  plain.keepAliveTimeout = 1_000;
  const tlsListeners = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    // Until the socket is handed over, nothing else listens: a reset or a silent client must not crash or linger.
    const dropOnError = () => socket.destroy();
    socket.on('error', dropOnError);
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    const route = () => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) {
        socket.once('readable', route);
        return;
      }
      socket.unshift(first);
      socket.setTimeout(0);
      socket.off('error', dropOnError);
      if (first[0] === TLS_HANDSHAKE) for (const listener of tlsListeners) listener.call(server, socket);
      else plain.emit('connection', socket);
    };
    route();
  });
}

function answerPlain(req: IncomingMessage, res: ServerResponse, allowsHost: (host: string | undefined) => boolean): void {
  const host = req.headers.host;
  const headers = { 'content-type': 'text/plain; charset=utf-8', connection: 'close' };
  if (host && allowsHost(host)) {
    // The path stays as asked; the host is one of ours, so this cannot send anyone elsewhere.
    const path = req.url?.startsWith('/') ? req.url : '/';
    res.writeHead(308, { ...headers, location: `https://${host}${path}` });
    res.end(`onebox serves HTTPS only: https://${host}${path}\n`);
    return;
  }
  res.writeHead(400, headers);
  res.end('onebox serves HTTPS only: open this address with https://.\n');
}
