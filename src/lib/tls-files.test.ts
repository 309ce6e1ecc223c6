import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkServerIdentity, connect } from 'node:tls';
import { issueCertificate } from './tls-ca.js';
import { TLS_FILES, certificateNames, ensureServerTls, loadTlsFiles } from './tls-files.js';

const dir = mkdtempSync(join(tmpdir(), 'onebox-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const names = ['127.0.0.1', '::1', 'localhost', 'onebox.test'];

/** A TLS handshake to the name (SNI and identity check) trusting only `ca`: true when verified. */
function handshake(port: number, ca: string, name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', ca, servername: isIP(name) ? undefined : name, checkServerIdentity: (_h, cert) => checkServerIdentity(name, cert) }, () => {
      resolve(socket.authorized);
      socket.end();
    });
    socket.once('error', () => resolve(false));
  });
}

test('first call makes a CA and a server certificate for exactly the names; keys are 0600', async () => {
  const tls = await ensureServerTls(join(dir, 'tls'), names);
  assert.equal(tls.issued, true);
  for (const f of [TLS_FILES.caKey, TLS_FILES.key]) assert.equal(statSync(join(dir, 'tls', f)).mode & 0o777, 0o600, f);
  assert.equal(statSync(join(dir, 'tls')).mode & 0o777, 0o700);
  const cert = new X509Certificate(tls.certPem);
  assert.deepEqual(certificateNames(cert), names);
  assert.ok(cert.verify(new X509Certificate(readFileSync(tls.caFile!)).publicKey));
  assert.match(tls.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  // The same form openssl prints, so an operator can compare the two.
  const openssl = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(dir, 'tls', TLS_FILES.cert)], { encoding: 'utf8' });
  assert.equal(openssl.trim().split('=')[1], tls.fingerprint);
});

test('the certificate passes a real TLS handshake for each name, trusting only the CA', async () => {
  const tls = await ensureServerTls(join(dir, 'tls'), names);
  assert.equal(tls.issued, false, 'nothing changed: the same certificate is kept');
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const ca = readFileSync(tls.caFile!, 'utf8');
    for (const name of names) assert.equal(await handshake(port, ca, name), true, name);
    assert.equal(await handshake(port, ca, 'evil.test'), false, 'a name not in the certificate');
    const otherCa = (await ensureServerTls(join(dir, 'other'), names)).caFile!;
    assert.equal(await handshake(port, readFileSync(otherCa, 'utf8'), '127.0.0.1'), false, 'another CA does not vouch for it');
  } finally {
    server.close();
  }
});

test('a change of names re-issues the server certificate with the same CA', async () => {
  const before = readFileSync(join(dir, 'tls', TLS_FILES.caCert), 'utf8');
  const reasons: string[] = [];
  const tls = await ensureServerTls(join(dir, 'tls'), [...names, '192.0.2.10'].sort(), (r) => reasons.push(r));
  assert.equal(tls.issued, true);
  assert.match(reasons[0], /names changed/);
  assert.ok(certificateNames(new X509Certificate(tls.certPem)).includes('192.0.2.10'));
  assert.equal(readFileSync(join(dir, 'tls', TLS_FILES.caCert), 'utf8'), before);
});

test('a server certificate not signed by the CA is replaced', async () => {
  const other = await ensureServerTls(join(dir, 'third'), names);
  writeFileSync(join(dir, 'tls', TLS_FILES.cert), other.certPem);
  writeFileSync(join(dir, 'tls', TLS_FILES.key), other.keyPem);
  const reasons: string[] = [];
  const tls = await ensureServerTls(join(dir, 'tls'), names, (r) => reasons.push(r));
  assert.deepEqual(reasons, ['not signed by this CA']);
  assert.notEqual(tls.fingerprint, other.fingerprint);
});

test('the CA issues client certificates too (for peers), and operator files are checked', async () => {
  const ca = { certPem: readFileSync(join(dir, 'tls', TLS_FILES.caCert), 'utf8'), keyPem: readFileSync(join(dir, 'tls', TLS_FILES.caKey), 'utf8') };
  const peer = await issueCertificate(ca, { commonName: 'host-2', altNames: ['10.0.0.2'], usage: 'both', validityDays: 30 });
  const cert = new X509Certificate(peer.certPem);
  assert.deepEqual(cert.keyUsage?.sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.equal(cert.ca, false);
  assert.ok(cert.checkIssued(new X509Certificate(ca.certPem)));
  writeFileSync(join(dir, 'peer.pem'), peer.certPem);
  writeFileSync(join(dir, 'peer-key.pem'), peer.keyPem);
  assert.equal(loadTlsFiles(join(dir, 'peer.pem'), join(dir, 'peer-key.pem')).fingerprint, cert.fingerprint256);
  assert.throws(() => loadTlsFiles(join(dir, 'peer.pem'), join(dir, 'tls', TLS_FILES.key)), /does not belong/);
  assert.throws(() => loadTlsFiles(join(dir, 'missing.pem'), join(dir, 'peer-key.pem')), /Cannot read/);
});
