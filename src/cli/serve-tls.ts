/**
 * How `onebox serve` secures its port: HTTPS with a certificate from onebox's own CA (default),
 * with the operator's certificate (`--tls-cert/--tls-key`), or plain HTTP (`--insecure-http`).
 */
import type { ServeConfig } from '../config.js';
import { log } from '../lib/log.js';
import { ensureServerTls, loadTlsFiles, type ServerTls } from '../lib/tls-files.js';

/** The certificate to serve, or undefined for plain HTTP. `names` are this host's names and addresses. */
export async function prepareTls(cfg: ServeConfig, tlsDir: string, names: string[]): Promise<ServerTls | undefined> {
  switch (cfg.tls.kind) {
    case 'off':
      log.warn(
        'serving plain HTTP (--insecure-http): passwords, session cookies and console traffic cross the network unencrypted; use this only behind a reverse proxy that terminates TLS',
      );
      return undefined;
    case 'files':
      return loadTlsFiles(cfg.tls.certFile, cfg.tls.keyFile);
    case 'auto':
      return ensureServerTls(tlsDir, names, (reason) => log.info('issuing the server certificate', { reason, names }));
  }
}

/** The line printed once the server listens, with the certificate's fingerprint under TLS. */
export function listeningLine(version: string, host: string, port: number, tls: ServerTls | undefined): string {
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `${tls ? 'https' : 'http'}://${shown}:${port}`;
  return `onebox ${version} listening on ${url}${tls ? ` (certificate SHA-256 ${tls.fingerprint})` : ''}`;
}
