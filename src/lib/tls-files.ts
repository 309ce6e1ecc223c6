/**
 * The TLS files in `<data-dir>/tls/`: onebox's CA (made once, key 0600) and the server
 * certificate it signs for this host's names. The server certificate is issued again when the
 * names change, when it nears its end or when it was not signed by this CA. The issuing code
 * (./tls-ca.js) is loaded only when something must be issued, so a normal start stays fast.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from './errors.js';
import { canonicalHost } from './host-names.js';

const SERVER_VALIDITY_DAYS = 397; // what browsers accept for a server certificate
const RENEW_BEFORE_MS = 30 * 86_400_000;

/** The certificate and key the HTTPS server uses, and what to tell the operator about it. */
export interface ServerTls {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it (`AB:CD:…`). */
  fingerprint: string;
  /** Path of the CA certificate clients can trust, when onebox's own CA signed the certificate. */
  caFile?: string;
  /** True when this start issued a new server certificate. */
  issued: boolean;
}

/** File names inside the tls directory. */
export const TLS_FILES = { caCert: 'ca.pem', caKey: 'ca-key.pem', cert: 'server.pem', key: 'server-key.pem' } as const;

/** SHA-256 fingerprint of the first certificate in a PEM text, `AB:CD:…`. */
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** The DNS names and IP addresses of a certificate's subjectAltName, canonical and sorted. */
export function certificateNames(cert: X509Certificate): string[] {
  const names = (cert.subjectAltName ?? '')
    .split(', ')
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1])
    .filter((n): n is string => n !== undefined);
  return [...new Set(names.map(canonicalHost))].sort();
}

/** Writes a file atomically with the given mode (a crash never leaves half a key). */
function writeAtomic(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode); // also when a leftover temp file existed, and whatever the umask
  renameSync(tmp, file);
}

/** Why the server certificate on disk must be issued again, or undefined when it is fine. */
function reissueReason(certFile: string, keyFile: string, ca: X509Certificate, names: string[]): string | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return 'none yet';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(certFile));
    if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))) return 'the key does not match';
  } catch {
    return 'unreadable';
  }
  if (!cert.verify(ca.publicKey)) return 'not signed by this CA';
  if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS) return 'expires soon';
  const had = certificateNames(cert);
  if (had.join(',') !== names.join(',')) return `names changed (had ${had.join(' ')})`;
  return undefined;
}

/**
 * Makes sure `dir` holds a CA and a server certificate for exactly `names` (canonical, sorted),
 * creating or re-issuing what is missing or stale; returns what the server needs.
 */
export async function ensureServerTls(dir: string, names: string[], onIssue?: (reason: string) => void): Promise<ServerTls> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: keyof typeof TLS_FILES) => join(dir, TLS_FILES[name]);
  if (!existsSync(file('caCert')) || !existsSync(file('caKey'))) {
    const { createCertificateAuthority } = await import('./tls-ca.js');
    const ca = await createCertificateAuthority(`onebox CA ${hostname()} ${Date.now().toString(36)}`);
    writeAtomic(file('caKey'), ca.keyPem, 0o600);
    writeAtomic(file('caCert'), ca.certPem, 0o644);
  }
  const ca = { certPem: readFileSync(file('caCert'), 'utf8'), keyPem: readFileSync(file('caKey'), 'utf8') };
  const reason = reissueReason(file('cert'), file('key'), new X509Certificate(ca.certPem), names);
  if (reason) {
    onIssue?.(reason);
    const { issueCertificate } = await import('./tls-ca.js');
    const issued = await issueCertificate(ca, { commonName: hostname(), altNames: names, usage: 'server', validityDays: SERVER_VALIDITY_DAYS });
    writeAtomic(file('key'), issued.keyPem, 0o600);
    writeAtomic(file('cert'), issued.certPem, 0o644);
  }
  const certPem = readFileSync(file('cert'), 'utf8');
  return { certPem, keyPem: readFileSync(file('key'), 'utf8'), fingerprint: certificateFingerprint(certPem), caFile: file('caCert'), issued: reason !== undefined };
}

/** Loads the operator's own certificate and key (`--tls-cert`, `--tls-key`), checking that they belong together. */
export function loadTlsFiles(certFile: string, keyFile: string): ServerTls {
  let certPem: string;
  let keyPem: string;
  try {
    certPem = readFileSync(certFile, 'utf8');
    keyPem = readFileSync(keyFile, 'utf8');
  } catch (err) {
    throw new AppError('validation_failed', `Cannot read the TLS certificate '${certFile}' or key '${keyFile}': ${(err as Error).message}.`);
  }
  let matches: boolean;
  try {
    matches = new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch (err) {
    throw new AppError('validation_failed', `'${certFile}' and '${keyFile}' must be a PEM certificate and its PEM private key: ${(err as Error).message}.`);
  }
  if (!matches) throw new AppError('validation_failed', `The key '${keyFile}' does not belong to the certificate '${certFile}'.`);
  return { certPem, keyPem, fingerprint: certificateFingerprint(certPem), issued: false };
}
