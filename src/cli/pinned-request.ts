/**
 * An HTTPS request to a server whose certificate is pinned by its SHA-256 fingerprint (the
 * joiner does not trust the network yet): the TLS handshake completes, the fingerprint is
 * checked, and only then is anything sent. A mismatch is refused before a byte of the request.
 */
import { request } from 'node:http';
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { AppError } from '../lib/errors.js';

/** `SHA256:AB:CD…`, `ab:cd…` or `abcd…` → `ABCD…`. */
export function normalizeFingerprint(text: string): string {
  return text.replace(/^sha-?256:/i, '').replace(/:/g, '').toUpperCase();
}

/** Opens a TLS connection to `url` and checks the server certificate's fingerprint (sends nothing). */
export function connectPinned(url: URL, fingerprint: string, timeoutMs = 15_000): Promise<TLSSocket> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(url.port || 443), servername: isIP(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs });
    socket.once('secureConnect', () => {
      const seen = socket.getPeerCertificate().fingerprint256 ?? '';
      if (normalizeFingerprint(seen) === normalizeFingerprint(fingerprint)) return resolve(socket);
      socket.destroy();
      reject(
        new AppError(
          'validation_failed',
          `The server at ${url.origin} presents a certificate with fingerprint SHA256:${seen}, not the ${fingerprint} given with --fingerprint; nothing was sent. Check the fingerprint printed with the token (someone may be in between).`,
        ),
      );
    });
    socket.once('timeout', () => socket.destroy(new Error(`no TLS answer from ${url.origin} within ${timeoutMs / 1000} s`)));
    socket.once('error', (err) => reject(new AppError('validation_failed', `Cannot reach ${url.origin}: ${err.message}.`)));
  });
}

/** POSTs JSON over a pinned connection; returns the status and the parsed answer. */
export async function postJsonPinned(url: URL, fingerprint: string, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const socket = await connectPinned(url, fingerprint);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({
      createConnection: () => socket, method: 'POST', path, host: url.hostname, port: url.port,
      headers: { host: url.host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' },
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        socket.destroy();
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        } catch {
          reject(new Error(`${url.origin} answered HTTP ${res.statusCode} without JSON`));
        }
      });
    });
    req.once('error', reject);
    req.end(text);
  });
}
