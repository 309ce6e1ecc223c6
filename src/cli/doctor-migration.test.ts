import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer, type Server } from 'node:tls';
import { createCertificateAuthority, issueCertificate, type CertificateAuthority } from '../lib/tls-ca.js';
import { checkMigrationTls } from './doctor-migration.js';
import { installMigrationTls } from './migration-tls-setup.js';

/** A TLS server on loopback standing in for libvirtd: it presents `server` and demands a client certificate signed by `trusts` (or by `ca`, its own CA, too). */
async function listen(server: { certPem: string; keyPem: string }, ca: string, trusts: string, trustsOwnCa = true): Promise<{ port: number; close(): void }> {
  const tls: Server = createServer({ cert: server.certPem, key: server.keyPem, ca: trustsOwnCa ? [ca, trusts] : [trusts], requestCert: true, rejectUnauthorized: true }, () => undefined);
  tls.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  return { port: (tls.address() as AddressInfo).port, close: () => tls.close() };
}

describe('onebox doctor: live migration over libvirtd TLS', () => {
  let dir = '';
  let ca: CertificateAuthority;
  let hostCert: { certPem: string; keyPem: string };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onebox-doctor-mig-'));
    ca = await createCertificateAuthority('doctor test');
    hostCert = await issueCertificate(ca, { commonName: 'host', altNames: ['127.0.0.1'], usage: 'both', validityDays: 1 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('without the files it says who writes them', async () => {
    const r = await checkMigrationTls(join(dir, 'empty'));
    assert.equal(r.ok, false);
    assert.equal(r.required, false);
    assert.match(r.detail, /no migration certificate in .*migration-tls\/pki yet/);
  });

  test('a libvirtd that accepts the certificate passes; one that is not listening gets the configuration lines', async () => {
    const data = join(dir, 'host');
    installMigrationTls(data, { caPem: ca.certPem, ...hostCert }, '127.0.0.1');
    const server = await listen(hostCert, ca.certPem, ca.certPem);
    try {
      const r = await checkMigrationTls(data, server.port);
      assert.equal(r.ok, true, r.detail);
      assert.equal(r.detail, `libvirtd at 127.0.0.1:${server.port} accepts onebox's migration certificate`);
    } finally {
      server.close();
    }
    const r = await checkMigrationTls(data, server.port);
    assert.equal(r.ok, false);
    assert.match(r.detail, /does not accept TLS migration connections \(ECONNREFUSED\)/);
    assert.match(r.detail, /listen_tls = 1/);
    assert.match(r.detail, /migrate_tls_x509_cert_dir = ".*migration-tls\/qemu"/);
  });

  test('a libvirtd that does not trust onebox\'s CA is caught after the handshake', async () => {
    const data = join(dir, 'stranger');
    installMigrationTls(data, { caPem: ca.certPem, ...hostCert }, '127.0.0.1');
    const other = await createCertificateAuthority('another CA');
    // Its own certificate is fine, but client certificates must come from another CA.
    const server = await listen(hostCert, ca.certPem, other.certPem, false);
    try {
      const r = await checkMigrationTls(data, server.port);
      assert.equal(r.ok, false, r.detail);
      assert.match(r.detail, /does not accept TLS migration connections \(it closed the connection: it does not trust onebox's CA, or its tls_allowed_dn_list does not hold "CN=onebox host \*"\)/);
      assert.match(r.detail, /tls_allowed_dn_list = \["CN=onebox host \*"\]/, 'the line to add');
    } finally {
      server.close();
    }
  });

  test('a certificate without key encipherment (joined before onebox set it): join again, or restart serve on the controller', async () => {
    const old = await issueCertificate(ca, { commonName: 'onebox host old', altNames: ['127.0.0.1'], usage: 'server', validityDays: 1 });
    const joined = join(dir, 'old-peer');
    installMigrationTls(joined, { caPem: ca.certPem, ...old }, '127.0.0.1');
    const r = await checkMigrationTls(joined, 1);
    assert.equal(r.ok, false);
    assert.match(r.detail, /lacks the key encipherment usage libvirtd and QEMU demand \(this host joined before onebox set it: join again — .*delete .*old-peer\/agent, and run `onebox join` with a new token\)/);

    const controller = join(dir, 'old-controller');
    installMigrationTls(controller, { caPem: ca.certPem, ...old }, '127.0.0.1');
    mkdirSync(join(controller, 'tls'));
    writeFileSync(join(controller, 'tls', 'ca-key.pem'), ca.keyPem);
    assert.match((await checkMigrationTls(controller, 1)).detail, /lacks the key encipherment usage .*\(start `onebox serve` again: it issues a new one\)/);
  });
});
