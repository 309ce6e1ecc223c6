/**
 * `onebox doctor`'s live-migration check: does this host have its migration certificate
 * (written by `serve` or the joined agent under `<data-dir>/migration-tls/`), and does its
 * libvirtd accept a TLS connection made with it at the address the certificate names — what the
 * other hosts' libvirtd do when they migrate a guest here. When it does not, the sentence names
 * the configuration lines to add (among them `tls_allowed_dn_list`, which admits host certificates
 * only). A certificate libvirt cannot take (no key encipherment: a host joined before onebox set
 * that bit) is named first, with the way to a new one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { HOST_CERTIFICATE_DN } from '../lib/host-certificate.js';
import { TLS_FILES } from '../lib/tls-files.js';
import type { CheckResult } from './doctor.js';
import { certificateAddress, CONF_LINE_FILES, MIGRATION_TLS_DIR, migrationPkiDir } from './migration-tls-setup.js';

/** libvirtd's TLS port. */
export const LIBVIRTD_TLS_PORT = 16514;
const NAME = 'live migration (libvirtd TLS)';

/** The check (informational: a single host needs no migration). */
export async function checkMigrationTls(dataDir: string, port = LIBVIRTD_TLS_PORT, timeoutMs = 5000): Promise<CheckResult> {
  const pki = migrationPkiDir(dataDir);
  const files = { ca: join(pki, 'cacert.pem'), cert: join(pki, 'clientcert.pem'), key: join(pki, 'clientkey.pem') };
  if (!Object.values(files).every((f) => existsSync(f)))
    return { name: NAME, ok: false, required: false, detail: `no migration certificate in ${pki} yet: \`onebox serve\` (with onebox's own CA) or a joined host's agent writes it when it starts` };
  const certPem = readFileSync(files.cert, 'utf8');
  const address = certificateAddress(certPem);
  if (address === undefined) return { name: NAME, ok: false, required: false, detail: `the migration certificate in ${pki} names no address; start onebox again to issue a new one` };
  if (!(await import('../lib/tls-ca.js')).allowsKeyEncipherment(certPem)) return { name: NAME, ok: false, required: false, detail: `the migration certificate in ${pki} lacks the key encipherment usage libvirtd and QEMU demand (${renewal(dataDir)})` };
  const refused = await tlsRefusal(address, port, { ca: readFileSync(files.ca, 'utf8'), cert: certPem, key: readFileSync(files.key, 'utf8') }, timeoutMs);
  if (refused === undefined) return { name: NAME, ok: true, required: false, detail: `libvirtd at ${address}:${port} accepts onebox's migration certificate` };
  const dir = join(dataDir, MIGRATION_TLS_DIR);
  const lines = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').trim().split('\n').map((l) => `    ${l}`).join('\n') : '    (missing: start onebox again)');
  return {
    name: NAME, ok: false, required: false,
    detail: `libvirtd at ${address}:${port} does not accept TLS migration connections (${refused}). Add to /etc/libvirt/libvirtd.conf:\n${lines(CONF_LINE_FILES.libvirtd)}\n  and to /etc/libvirt/qemu.conf:\n${lines(CONF_LINE_FILES.qemu)}\n  then restart libvirtd listening (\`libvirtd --listen\`, or enable libvirtd-tls.socket with systemd)`,
  };
}

/** How this host gets a new host certificate: the controller's own host issues it at start; a joined host joins again. */
function renewal(dataDir: string): string {
  if (existsSync(join(dataDir, 'tls', TLS_FILES.caKey))) return 'start `onebox serve` again: it issues a new one';
  return `this host joined before onebox set it: join again — remove the host on the controller (after moving its instances away), delete ${join(dataDir, 'agent')}, and run \`onebox join\` with a new token`;
}

/**
 * Undefined when a TLS handshake with the client certificate succeeds, the server's certificate
 * names `address`, and the server keeps the connection open for a moment (libvirtd checks the
 * client's certificate after the handshake and hangs up on one it does not trust); else why not.
 */
function tlsRefusal(address: string, port: number, creds: { ca: string; cert: string; key: string }, timeoutMs: number, settleMs = 1000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, servername: isIP(address) ? undefined : address, ...creds, timeout: timeoutMs });
    let settled = false;
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(why);
    };
    socket.once('secureConnect', () => {
      if (!socket.authorized) return done(String(socket.authorizationError));
      socket.setTimeout(0);
      setTimeout(() => done(undefined), settleMs);
    });
    socket.once('close', () => done(`it closed the connection: it does not trust onebox's CA, or its tls_allowed_dn_list does not hold "${HOST_CERTIFICATE_DN}"`));
    socket.once('timeout', () => done(`no answer within ${timeoutMs / 1000} s`));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}
