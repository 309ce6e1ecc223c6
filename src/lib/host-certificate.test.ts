import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import { before, describe, test } from 'node:test';
import { CONTROLLER_CERT_NAME } from '../cli/peer-hosts.js';
import { hostCertificateName, isHostCertificateSubject } from './host-certificate.js';
import { type CertificateAuthority, createCertificateAuthority, createCsr, issueCertificate, signCsr } from './tls-ca.js';

describe('host certificates can be told from the other certificates onebox\'s CA signs', () => {
  let ca: CertificateAuthority;
  const subjectOf = (pem: string) => new X509Certificate(pem).subject;
  before(async () => {
    ca = await createCertificateAuthority('host-certificate test');
  });

  test('a joined host (its CSR\'s own subject ignored) and the controller\'s own host carry CN=onebox host …', async () => {
    const csr = await createCsr('CN=onebox controller, O=evil');
    const joined = await signCsr(ca, csr.csrPem, { commonName: hostCertificateName('host_abc123'), altNames: ['10.0.0.2'], usage: 'both', validityDays: 1 });
    assert.equal(subjectOf(joined), 'CN=onebox host host_abc123');
    const own = await issueCertificate(ca, { commonName: hostCertificateName('10.0.0.1'), altNames: ['10.0.0.1'], usage: 'both', validityDays: 1 });
    assert.equal(subjectOf(own.certPem), 'CN=onebox host 10.0.0.1');
    for (const pem of [joined, own.certPem]) assert.equal(isHostCertificateSubject(subjectOf(pem)), true);
  });

  test("the controller's client certificate and the HTTPS server certificate are not host certificates", async () => {
    const controller = await issueCertificate(ca, { commonName: CONTROLLER_CERT_NAME, altNames: ['onebox-controller'], usage: 'client', validityDays: 1 });
    const server = await issueCertificate(ca, { commonName: hostname(), altNames: ['127.0.0.1'], usage: 'server', validityDays: 1 });
    for (const pem of [controller.certPem, server.certPem, ca.certPem]) assert.equal(isHostCertificateSubject(subjectOf(pem)), false, subjectOf(pem));
  });
});
