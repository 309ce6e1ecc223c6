/**
 * onebox's own certificate authority: creates the CA (ECDSA P-256, kept in the data directory)
 * and issues certificates signed by it — the server certificate today, peer certificates for
 * multi-host join later. Pure JavaScript over Node's WebCrypto (@peculiar/x509), so it works
 * inside the single executable with no `openssl` binary.
 */
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs a Reflect polyfill, loaded first
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { AppError } from './errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;
// Backdated a little so a peer whose clock runs slightly behind still accepts a fresh certificate.
const BACKDATE_MS = 60 * 60_000;

/** A CA certificate and its private key, both PEM. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

/** A certificate issued by the CA and its private key, both PEM. */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

/** What to put in a certificate the CA issues. */
export interface CertificateRequest {
  commonName: string;
  /** DNS names and IP addresses (v4 or v6) for the subjectAltName; IPs are recognised by form. */
  altNames: string[];
  /** server: TLS server auth; client: TLS client auth (peer agents); both for mutual TLS peers. */
  usage: 'server' | 'client' | 'both';
  validityDays: number;
}

/** A positive random 128-bit serial number in hex (RFC 5280 allows up to 20 octets). */
const serialNumber = () => {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
};

const validity = (days: number) => ({ notBefore: new Date(Date.now() - BACKDATE_MS), notAfter: new Date(Date.now() + days * DAY_MS) });

async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']) as Promise<CryptoKey>;
}

/** X.500 names: only a few safe characters, so nothing needs escaping. */
function cn(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9 ._:-]/g, '-').slice(0, 64);
  return `CN=${clean || 'onebox'}`;
}

/** One subjectAltName entry: an IP address by its form, else a DNS name. */
const altName = (value: string): x509.JsonGeneralName => ({ type: isIP(value) ? 'ip' : 'dns', value });

/** Creates a new CA valid for `validityDays` (default ten years). */
export async function createCertificateAuthority(commonName: string, validityDays = 3650): Promise<CertificateAuthority> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `${cn(commonName)}, O=onebox`,
    ...validity(validityDays),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey) };
}

/** Issues a certificate for `request`, signed by `ca`, with a new key pair. */
export async function issueCertificate(ca: CertificateAuthority, request: CertificateRequest): Promise<IssuedCertificate> {
  const keys = await newKeyPair();
  return { certPem: await signPublicKey(ca, keys.publicKey, request), keyPem: await privateKeyPem(keys.privateKey) };
}

/** A new key pair and a PKCS#10 certificate signing request for it (the joiner keeps the key). */
export async function createCsr(commonName: string): Promise<{ csrPem: string; keyPem: string }> {
  const keys = await newKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: cn(commonName), keys, signingAlgorithm: ALGORITHM });
  return { csrPem: csr.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey) };
}

/** Signs the public key of a CSR (its own signature checked; its subject ignored: `request` names the certificate). */
export async function signCsr(ca: CertificateAuthority, csrPem: string, request: CertificateRequest): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new AppError('csr_invalid', 'The certificate signing request is not a PEM PKCS#10 request.');
  }
  if (!(await csr.verify())) throw new AppError('csr_invalid', 'The certificate signing request is not signed by its own key.');
  return signPublicKey(ca, csr.publicKey, request);
}

/**
 * Key usage of an issued certificate. A peer's certificate ('both') also serves libvirtd's and
 * QEMU's TLS for live migration, and both refuse a critical key usage without key encipherment
 * (they check it whatever the key type), so it carries that bit too.
 */
const keyUsage = (usage: CertificateRequest['usage']): number =>
  usage === 'both' ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;

/**
 * Whether libvirtd and QEMU take `certPem` for TLS as far as its key usage goes: no key usage
 * extension, or one with key encipherment (host certificates issued before onebox set that bit
 * lack it).
 */
export function allowsKeyEncipherment(certPem: string): boolean {
  const usage = new x509.X509Certificate(certPem).getExtension(x509.KeyUsagesExtension);
  return usage === null || (usage.usages & x509.KeyUsageFlags.keyEncipherment) !== 0;
}

async function signPublicKey(ca: CertificateAuthority, publicKey: CryptoKey | x509.PublicKey, request: CertificateRequest): Promise<string> {
  if (request.altNames.length === 0) throw new AppError('validation_failed', `A certificate for '${request.commonName}' needs at least one name or address.`);
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const usages = {
    server: [x509.ExtendedKeyUsage.serverAuth],
    client: [x509.ExtendedKeyUsage.clientAuth],
    both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
  }[request.usage];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: cn(request.commonName),
    issuer: caCert.subject,
    ...validity(request.validityDays),
    signingKey: caKey,
    publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(keyUsage(request.usage), true),
      new x509.ExtendedKeyUsageExtension(usages, false),
      new x509.SubjectAlternativeNameExtension(request.altNames.map(altName)),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return cert.toString('pem') + '\n';
}
