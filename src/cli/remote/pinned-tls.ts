/**
 * Certificate pinning for the CLI: onebox's certificate is checked by its SHA-256 fingerprint
 * (pinned at `onebox login`), not by a CA. The socket is handed to HTTP or the websocket only
 * after the fingerprint matched, so no request (and no token) reaches another certificate.
 */
import { Agent as HttpsAgent, type AgentOptions, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { ApiError } from '../../shared/api-client.js';
import { CliError, EXIT } from './errors.js';

/** `SHA256:AB:CD:…` from any spelling: with or without the prefix, colons, any case. Undefined when not 32 bytes of hex. */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.trim().replace(/^sha-?256:?/i, '').replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return `SHA256:${hex.match(/../g)?.join(':')}`;
}

/** Where to connect. */
export interface TlsTarget {
  host: string;
  port: number;
}

/** Opens a TLS connection without CA checks and reports the peer certificate's fingerprint; the caller decides. */
function openTls(target: TlsTarget, callback: (err: Error | null, socket?: TLSSocket, fingerprint?: string) => void): TLSSocket {
  const socket = connect({
    host: target.host,
    port: target.port,
    servername: isIP(target.host) ? undefined : target.host,
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });
  socket.setTimeout(15_000, () => socket.destroy(new Error(`No TLS answer from ${target.host}:${target.port} within 15 s.`)));
  socket.once('secureConnect', () => {
    socket.setTimeout(0);
    const cert: PeerCertificate = socket.getPeerCertificate();
    const fingerprint = cert.fingerprint256 ? normalizeFingerprint(cert.fingerprint256) : undefined;
    callback(null, socket, fingerprint);
  });
  socket.once('error', (err) => callback(err));
  return socket;
}

/** The SHA-256 fingerprint of the certificate the server presents (for `login` to show and pin). */
export function probeFingerprint(target: TlsTarget): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    openTls(target, (err, socket, fingerprint) => {
      if (settled) return;
      settled = true;
      socket?.destroy();
      if (err) return reject(new CliError(`Cannot reach ${target.host}:${target.port} over TLS: ${err.message}`, 'connection_failed', EXIT.connection));
      if (!fingerprint) return reject(new CliError(`${target.host}:${target.port} presented no certificate.`, 'certificate_missing', EXIT.connection));
      resolve(fingerprint);
    });
  });
}

/** The error for a certificate that is not the pinned one (an ApiError with status 0, so the client passes it on as it is). */
export function mismatchError(target: TlsTarget, expected: string, actual: string): ApiError {
  return new ApiError(
    0,
    'certificate_mismatch',
    `The certificate of ${target.host}:${target.port} is ${actual}, not the pinned ${expected}: refusing to talk to it (if the server's certificate really changed, log in again with --fingerprint).`,
  );
}

/** An https.Agent whose every connection must present the pinned certificate (used for requests and websockets). */
export class PinnedAgent extends HttpsAgent {
  constructor(private readonly fingerprint: string, options: AgentOptions = {}) {
    super({ keepAlive: true, ...options });
  }

  /** Connects, and hands the socket to the request only once the certificate matched (the agent then writes the request). */
  override createConnection(options: RequestOptions, done?: (err: Error | null, stream: Duplex) => void): undefined {
    const target = { host: options.host ?? 'localhost', port: Number(options.port ?? 443) };
    openTls(target, (err, socket, fingerprint) => {
      if (err || !socket) return done?.(err ?? new Error('no socket'), undefined as unknown as Duplex);
      if (fingerprint !== this.fingerprint) {
        socket.destroy();
        return done?.(mismatchError(target, this.fingerprint, fingerprint ?? 'none'), undefined as unknown as Duplex);
      }
      done?.(null, socket);
    });
    return undefined;
  }
}
