/**
 * The files and settings that let two libvirtds live-migrate over channels authenticated by
 * onebox's CA, from one certificate per host (usage 'both': it is the host's server certificate
 * toward a source daemon and its client certificate toward a destination):
 *
 * - libvirtd listens with TLS (`listen_tls`, key/cert/CA files below) and only accepts clients
 *   whose certificate onebox's CA signed; the SOURCE daemon reaches the destination as
 *   `qemu+tls://ADDR/system?pkipath=DIR` (peer-to-peer), the client files in DIR.
 * - QEMU's own migration stream and the NBD stream of block migration are TLS too
 *   (VIR_MIGRATE_TLS): `migrate_tls_x509_cert_dir` names the same certificate under QEMU's file
 *   names, with verification of the peer on.
 * - libvirtd admits host certificates only (`tls_allowed_dn_list`): other certificates onebox's CA
 *   signs (the controller's client certificate, the HTTPS server certificate) are no migration peers.
 * libvirt and QEMU read fixed file names, hence two directories with the same PEM twice. libvirtd
 * runs as root; QEMU may not (Debian runs it as libvirt-qemu), so its directory and files belong to
 * QEMU's group (qemu-group.ts), and so does the directory above them, for QEMU to pass through.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_CERTIFICATE_DN } from '../../lib/host-certificate.js';
import { type QemuGroup, qemuGroup, shareWithQemu } from './qemu-group.js';

/** A host's certificate for migration: onebox's CA certificate and the host's certificate and key, PEM. */
export interface MigrationCertificate {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Where the files went, and the configuration lines for the host's libvirtd.conf and qemu.conf. */
export interface MigrationTlsLayout {
  /** For `pkipath=` in the URI the source daemon opens (cacert.pem, clientcert.pem, clientkey.pem). */
  pkiDir: string;
  /** QEMU's migration certificate directory (ca-cert.pem, server-*.pem, client-*.pem). */
  qemuDir: string;
  libvirtdConf: string[];
  qemuConf: string[];
}

/**
 * Writes the certificate files under `dir` and returns the settings listening TLS and migration
 * on `address`: libvirtd's files readable by root only, QEMU's by `qemu`'s group too (root only
 * when that group does not exist here). Modes and owners are set again on every call.
 */
export function writeMigrationTls(dir: string, cert: MigrationCertificate, address: string, qemu: QemuGroup = qemuGroup()): MigrationTlsLayout {
  const pkiDir = join(dir, 'pki');
  const qemuDir = join(dir, 'qemu');
  const files: [string, string, string][] = [
    [pkiDir, 'cacert.pem', cert.caPem],
    [pkiDir, 'servercert.pem', cert.certPem],
    [pkiDir, 'serverkey.pem', cert.keyPem],
    [pkiDir, 'clientcert.pem', cert.certPem],
    [pkiDir, 'clientkey.pem', cert.keyPem],
    [qemuDir, 'ca-cert.pem', cert.caPem],
    [qemuDir, 'server-cert.pem', cert.certPem],
    [qemuDir, 'server-key.pem', cert.keyPem],
    [qemuDir, 'client-cert.pem', cert.certPem],
    [qemuDir, 'client-key.pem', cert.keyPem],
  ];
  for (const d of [pkiDir, qemuDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  shareWithQemu(dir, qemu, 0o710, 0o700);
  chmodSync(pkiDir, 0o700);
  shareWithQemu(qemuDir, qemu, 0o750, 0o700);
  for (const [d, name, pem] of files) {
    const file = join(d, name);
    const alone = name.includes('key') ? 0o600 : 0o644;
    writeFileSync(file, pem, { mode: alone });
    if (d === qemuDir) shareWithQemu(file, qemu, 0o640, alone);
    else chmodSync(file, alone);
  }
  const q = (s: string) => JSON.stringify(s);
  return {
    pkiDir,
    qemuDir,
    libvirtdConf: [
      'listen_tls = 1',
      'listen_tcp = 0',
      `listen_addr = ${q(address)}`,
      `ca_file = ${q(join(pkiDir, 'cacert.pem'))}`,
      `cert_file = ${q(join(pkiDir, 'servercert.pem'))}`,
      `key_file = ${q(join(pkiDir, 'serverkey.pem'))}`,
      // A client must present a certificate onebox's CA signed (libvirt's default, said out loud), and a host's.
      'tls_no_verify_certificate = 0',
      `tls_allowed_dn_list = [${q(HOST_CERTIFICATE_DN)}]`,
      'auth_tls = "none"',
    ],
    qemuConf: [
      `migrate_tls_x509_cert_dir = ${q(qemuDir)}`,
      'migrate_tls_x509_verify = 1',
      // QEMU's incoming migration and NBD servers listen on this host's address only; the source connects to it.
      `migration_address = ${q(address)}`,
      `migration_host = ${q(address)}`,
    ],
  };
}

/** The URI a source daemon opens to reach the destination daemon at `address` peer-to-peer, with its client certificate in `pkiDir`. */
export function migrationUri(address: string, pkiDir: string): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return `qemu+tls://${host}/system?pkipath=${pkiDir}`;
}
