import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { qemuGroup } from '../hypervisor/libvirt/qemu-group.js';
import { allowsKeyEncipherment, type CertificateAuthority, createCertificateAuthority, issueCertificate } from '../lib/tls-ca.js';
import { TLS_FILES, type ServerTls } from '../lib/tls-files.js';
import { installMigrationTls, prepareLocalMigrationTls } from './migration-tls-setup.js';

/** A group other than ours (chown to any gid needs root; else one of our own groups). */
const otherGid = process.getuid?.() === 0 ? 4242 : process.getgid!();

describe("the controller's own migration certificate", () => {
  const root = mkdtempSync(join(tmpdir(), 'onebox-mig-setup-'));
  const tlsDir = join(root, 'tls');
  const hostCert = join(tlsDir, 'migration-host.pem');
  let ca: CertificateAuthority;
  let serverTls: ServerTls;
  before(async () => {
    ca = await createCertificateAuthority('setup test');
    mkdirSync(tlsDir);
    writeFileSync(join(tlsDir, TLS_FILES.caCert), ca.certPem);
    writeFileSync(join(tlsDir, TLS_FILES.caKey), ca.keyPem);
    serverTls = { certPem: '', keyPem: '', fingerprint: '', caFile: join(tlsDir, TLS_FILES.caCert), issued: false };
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Puts a certificate of onebox's CA for 10.0.0.1 where `serve` keeps its own host's. */
  const plant = async (commonName: string, usage: 'server' | 'both') => {
    const c = await issueCertificate(ca, { commonName, altNames: ['10.0.0.1'], usage, validityDays: 1 });
    writeFileSync(hostCert, c.certPem);
    writeFileSync(join(tlsDir, 'migration-host-key.pem'), c.keyPem);
    return c.certPem;
  };

  test('a certificate without key encipherment, or not named as a host, is issued again; a good one is kept', async () => {
    for (const [name, usage] of [['onebox host 10.0.0.1', 'server'], ['host a', 'both']] as const) {
      const old = await plant(name, usage);
      await prepareLocalMigrationTls(join(root, 'data'), tlsDir, serverTls, '10.0.0.1');
      const now = readFileSync(hostCert, 'utf8');
      assert.notEqual(now, old, `${name} (${usage}) was issued again`);
      assert.equal(new X509Certificate(now).subject, 'CN=onebox host 10.0.0.1');
      assert.equal(allowsKeyEncipherment(now), true);
      assert.equal(statSync(hostCert).mode & 0o777, 0o600);
    }
    const good = readFileSync(hostCert, 'utf8');
    await prepareLocalMigrationTls(join(root, 'data'), tlsDir, serverTls, '10.0.0.1');
    assert.equal(readFileSync(hostCert, 'utf8'), good);
  });

  test("the data directory lets QEMU's group through to its files (0710), when that group exists", async () => {
    const data = join(root, 'shared');
    mkdirSync(data, { mode: 0o700 });
    installMigrationTls(data, { caPem: ca.certPem, certPem: 'C', keyPem: 'K' }, '10.0.0.1', { name: 'qemu-test', gid: otherGid, source: 'test' });
    assert.deepEqual([statSync(data).mode & 0o777, statSync(data).gid], [0o710, otherGid]);
    const alone = join(root, 'alone');
    installMigrationTls(alone, { caPem: ca.certPem, certPem: 'C', keyPem: 'K' }, '10.0.0.1', { ...qemuGroup(), gid: undefined });
    assert.equal(statSync(alone).mode & 0o777, 0o700);
    const asRoot = join(root, 'as-root');
    installMigrationTls(asRoot, { caPem: ca.certPem, certPem: 'C', keyPem: 'K' }, '10.0.0.1', { name: 'root', gid: undefined, source: 'test', runsAsRoot: true });
    assert.equal(statSync(asRoot).mode & 0o777, 0o700);
    assert.equal(statSync(join(asRoot, 'migration-tls', 'qemu', 'client-key.pem')).mode & 0o777, 0o600, "a root QEMU's key (the host's) is root's alone");
  });
});
