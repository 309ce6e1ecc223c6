import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { after, before, test } from 'node:test';
import { normalizeFingerprint, PinnedAgent, probeFingerprint } from './pinned-tls.js';

test('fingerprints in any spelling normalise to SHA256:AB:…; anything else is refused', () => {
  const hex = 'ab'.repeat(32);
  const want = `SHA256:${'AB:'.repeat(31)}AB`;
  for (const text of [hex, `SHA256:${hex}`, `sha256:${'ab:'.repeat(31)}ab`, `SHA-256 ${'AB:'.repeat(31)}AB`, want]) assert.equal(normalizeFingerprint(text), want, text);
  for (const text of ['', 'ab'.repeat(31), `md5:${hex}`, 'zz'.repeat(32)]) assert.equal(normalizeFingerprint(text), undefined, text);
});

let dir: string;
let server: Server;
let port: number;
let fingerprint: string;
/** Bytes the server received: a refused client must send none (no request, no token). */
let received = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onebox-pin-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=pin-test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'cert.pem'));
  fingerprint = normalizeFingerprint(new X509Certificate(cert).fingerprint256) ?? '';
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (socket) => {
    socket.on('data', (d: Buffer) => {
      received += d.length;
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (agent: PinnedAgent) =>
  new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent, headers: { authorization: 'Bearer secret' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.once('error', reject);
    req.end();
  });

test('probeFingerprint reports the SHA-256 of the certificate the server presents', async () => {
  assert.equal(await probeFingerprint({ host: '127.0.0.1', port }), fingerprint);
  assert.equal(fingerprint.replace(/^SHA256:|:/g, ''), createHash('sha256').update(new X509Certificate(readFileSync(join(dir, 'cert.pem'))).raw).digest('hex').toUpperCase());
});

test('the pinned agent talks to the pinned certificate, self-signed or not', async () => {
  const agent = new PinnedAgent(fingerprint);
  try {
    assert.equal(await get(agent), 'ok');
  } finally {
    agent.destroy();
  }
});

test('another certificate is refused before a byte of the request is sent', async () => {
  received = 0;
  const agent = new PinnedAgent(`SHA256:${'00:'.repeat(31)}00`);
  try {
    await assert.rejects(get(agent), (err: Error & { code?: string }) => err.code === 'certificate_mismatch' && /not the pinned SHA256:00:00/.test(err.message));
  } finally {
    agent.destroy();
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(received, 0);
});
