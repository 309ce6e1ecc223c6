/**
 * The migration certificate of this host, written where libvirtd and QEMU read it: `serve`
 * issues one for its own host from onebox's CA (the CA key lives here), a joined host's agent
 * reuses the certificate it got at join (usage both, its address in the SAN, which is what
 * libvirt checks). The files land in `<data-dir>/migration-tls/`, together with the lines the
 * operator adds to libvirtd.conf and qemu.conf (`libvirtd.conf.lines`, `qemu.conf.lines`) —
 * onebox never edits libvirt's configuration nor restarts libvirtd itself. QEMU opens its files
 * by path, as QEMU's user where it does not run as root: the data directory lets QEMU's group
 * pass (0710), not list.
 */
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MigrationCertificate, type MigrationTlsLayout, writeMigrationTls } from '../hypervisor/libvirt/migration-tls.js';
import { type QemuGroup, qemuGroup, shareWithQemu } from '../hypervisor/libvirt/qemu-group.js';
import { hostCertificateName, isHostCertificateSubject } from '../lib/host-certificate.js';
import { canonicalHost } from '../lib/host-names.js';
import { log } from '../lib/log.js';
import { certificateNames, type ServerTls, TLS_FILES } from '../lib/tls-files.js';

/** The directory under the data dir, and the files beside the certificates naming the configuration lines. */
export const MIGRATION_TLS_DIR = 'migration-tls';
export const CONF_LINE_FILES = { libvirtd: 'libvirtd.conf.lines', qemu: 'qemu.conf.lines' } as const;
const HOST_FILES = { cert: 'migration-host.pem', key: 'migration-host-key.pem' } as const;
const HOST_CERT_DAYS = 3650;

/** Where the migration client files of the host with data directory `dataDir` are (writeMigrationTls's pkiDir). */
export const migrationPkiDir = (dataDir: string): string => join(dataDir, MIGRATION_TLS_DIR, 'pki');

/**
 * Writes the migration files for `address` under the data dir (QEMU's for `qemu`'s group, by
 * default the group qemu.conf names), logs the lines libvirt needs, and returns the layout (its
 * pkiDir goes to the agent).
 */
export function installMigrationTls(dataDir: string, cert: MigrationCertificate, address: string, qemu: QemuGroup = qemuGroup()): MigrationTlsLayout {
  const dir = join(dataDir, MIGRATION_TLS_DIR);
  if (qemu.runsAsRoot) log.info("live migration: QEMU runs as root here, so its migration key stays readable by root only", { files: join(dir, 'qemu') });
  else if (qemu.gid !== undefined)
    log.warn(`live migration: QEMU does not run as root (${qemu.source}), so its migration key is readable by group '${qemu.name}'; that key is this host's, which every host's libvirtd admits: run QEMU as root (qemu.conf user = "root", as onebox's install does) to keep it root's alone`, { files: join(dir, 'qemu') });
  else
    log.warn(`live migration: QEMU's group '${qemu.name}' (${qemu.source}) does not exist here, so QEMU's migration key stays readable by root only: a QEMU that does not run as root cannot load it`, { files: join(dir, 'qemu') });
  const layout = writeMigrationTls(dir, cert, address, qemu);
  shareWithQemu(dataDir, qemu, 0o710, 0o700);
  writeFileSync(join(dir, CONF_LINE_FILES.libvirtd), layout.libvirtdConf.join('\n') + '\n', { mode: 0o644 });
  writeFileSync(join(dir, CONF_LINE_FILES.qemu), layout.qemuConf.join('\n') + '\n', { mode: 0o644 });
  log.info(
    'live migration: this host\'s libvirtd must listen with TLS (start it with --listen, or enable libvirtd-tls.socket) with these lines; run `onebox doctor` to check',
    { address, 'libvirtd.conf': layout.libvirtdConf, 'qemu.conf': layout.qemuConf, files: dir },
  );
  return layout;
}

/**
 * The controller's own host: a certificate from onebox's CA in `tlsDir` for `address` (issued
 * again when the address changed), installed under the data dir. Undefined, with the reason
 * logged, when the server does not use onebox's CA (--tls-cert, --insecure-http).
 */
export async function prepareLocalMigrationTls(dataDir: string, tlsDir: string, tls: ServerTls | undefined, address: string): Promise<MigrationTlsLayout | undefined> {
  const [caFile, caKeyFile] = [join(tlsDir, TLS_FILES.caCert), join(tlsDir, TLS_FILES.caKey)];
  if (!tls?.caFile || !existsSync(caKeyFile)) {
    log.warn("live migration from and to this host is off: the server does not use onebox's own CA (--tls-cert or --insecure-http)");
    return undefined;
  }
  const ca = { certPem: readFileSync(caFile, 'utf8'), keyPem: readFileSync(caKeyFile, 'utf8') };
  const [certFile, keyFile] = [join(tlsDir, HOST_FILES.cert), join(tlsDir, HOST_FILES.key)];
  if (!(await issuedFor(certFile, keyFile, ca.certPem, address))) {
    const { issueCertificate } = await import('../lib/tls-ca.js');
    // Usage both: the host's server certificate toward a source daemon and its client certificate toward a destination.
    const issued = await issueCertificate(ca, { commonName: hostCertificateName(address), altNames: [address], usage: 'both', validityDays: HOST_CERT_DAYS });
    writeFileSync(keyFile, issued.keyPem, { mode: 0o600 });
    writeFileSync(certFile, issued.certPem, { mode: 0o600 });
    for (const file of [keyFile, certFile]) chmodSync(file, 0o600);
  }
  return installMigrationTls(dataDir, { caPem: ca.certPem, certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') }, address);
}

/**
 * Whether the files hold a host certificate of this CA naming exactly `address` that libvirt takes
 * (key encipherment: older onebox issued it without, and then libvirtd refuses to start).
 */
async function issuedFor(certFile: string, keyFile: string, caPem: string, address: string): Promise<boolean> {
  if (!existsSync(certFile) || !existsSync(keyFile)) return false;
  try {
    const pem = readFileSync(certFile, 'utf8');
    const cert = new X509Certificate(pem);
    if (!cert.verify(new X509Certificate(caPem).publicKey) || certificateNames(cert).join(',') !== canonicalHost(address)) return false;
    return isHostCertificateSubject(cert.subject) && (await import('../lib/tls-ca.js')).allowsKeyEncipherment(pem);
  } catch {
    return false;
  }
}

/** The address a migration certificate names (its first subjectAltName), for `onebox doctor`. */
export function certificateAddress(certPem: string): string | undefined {
  return certificateNames(new X509Certificate(certPem))[0];
}
