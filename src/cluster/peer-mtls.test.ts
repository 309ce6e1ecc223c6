import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { createServer, Socket as NetSocket, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeHypervisorDriver } from '../hypervisor/fake.js';
import { createCertificateAuthority, createCsr, issueCertificate, signCsr } from '../lib/tls-ca.js';
import { FakeStorageDriver } from '../storage/fake.js';
import { LocalHostAgent } from './local-agent.js';
import { PeerHostAgent } from './peer/client.js';
import { createPeerServer } from './peer/server.js';

const CONTROLLER = 'onebox controller';

describe('peer protocol over mutual TLS', () => {
  let dir: string;
  let agent: LocalHostAgent;
  let server: ReturnType<typeof createPeerServer>;
  let port: number;
  let ca: Awaited<ReturnType<typeof createCertificateAuthority>>;
  let controller: { certPem: string; keyPem: string };
  let otherHost: { certPem: string; keyPem: string };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onebox-mtls-'));
    agent = new LocalHostAgent({ dataDir: dir, hypervisor: new FakeHypervisorDriver(), accel: { accel: 'tcg', reason: 'test' }, storage: (pool, d) => new FakeStorageDriver(pool.kind === 'local' ? (pool.path ?? d) : d) });
    ca = await createCertificateAuthority('test CA');
    controller = await issueCertificate(ca, { commonName: CONTROLLER, altNames: ['onebox-controller'], usage: 'client', validityDays: 1 });
    otherHost = await issueCertificate(ca, { commonName: 'onebox host other', altNames: ['127.0.0.1'], usage: 'both', validityDays: 1 });
    const csr = await createCsr('peer');
    const certPem = await signCsr(ca, csr.csrPem, { commonName: 'onebox host h1', altNames: ['127.0.0.1'], usage: 'both', validityDays: 1 });
    server = createPeerServer(agent, { tls: { certPem, keyPem: csr.keyPem, caPem: ca.certPem, controllerName: CONTROLLER } });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  });
  const tlsAgent = (id?: { certPem: string; keyPem: string }) => new HttpsAgent({ ca: ca.certPem, ...(id ? { cert: id.certPem, key: id.keyPem } : {}) });

  test('the controller, with its CA-signed client certificate, drives the host', async () => {
    const peer = await PeerHostAgent.connect({ baseUrl: `https://127.0.0.1:${port}`, agent: tlsAgent(controller) });
    try {
      assert.equal(peer.host.isOnline(), true);
      assert.equal((await peer.host.facts([])).accel, 'tcg');
      assert.deepEqual(await peer.domains.list(), []);
    } finally {
      await peer.close();
    }
  });

  test('a client without a certificate is refused by TLS; another host\'s certificate gets 403', async () => {
    const get = (a: HttpsAgent) =>
      new Promise<number>((resolve, reject) => {
        const req = httpsRequest(`https://127.0.0.1:${port}/agent/ping`, { agent: a }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
        req.end();
      });
    await assert.rejects(get(tlsAgent()), /certificate required|ECONNRESET|socket hang up|alert/i);
    assert.equal(await get(tlsAgent(otherHost)), 403);
    await assert.rejects(PeerHostAgent.connect({ baseUrl: `https://127.0.0.1:${port}`, agent: tlsAgent(otherHost) }), /HTTP 403/);
  });

  test('heartbeats: a silent peer is lost after the threshold, and back when it speaks again', async () => {
    // A TCP relay that can go silent (a partition) without closing anything.
    let frozen = false;
    const sockets: Socket[] = [];
    const relay = createServer((inbound) => {
      const out = new NetSocket();
      out.connect(port, '127.0.0.1');
      sockets.push(inbound, out);
      inbound.on('data', (d) => !frozen && out.write(d));
      out.on('data', (d) => !frozen && inbound.write(d));
      inbound.on('close', () => out.destroy());
      out.on('close', () => inbound.destroy());
      inbound.on('error', () => undefined);
      out.on('error', () => undefined);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayPort = (relay.address() as AddressInfo).port;
    const peer = await PeerHostAgent.connect({ baseUrl: `https://127.0.0.1:${relayPort}`, agent: new HttpsAgent({ ca: ca.certPem, cert: controller.certPem, key: controller.keyPem, servername: undefined, checkServerIdentity: () => undefined }), beatMs: 200, lostAfterMs: 800, retryMs: 200 });
    const seen: { online: boolean; at: number }[] = [];
    peer.host.onEvent((e) => e.type === 'connection' && seen.push({ online: e.online, at: Date.now() }));
    try {
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(peer.host.isOnline(), true, 'beats keep it online past the threshold');
      assert.equal(seen.length, 0, 'no connection change while beats arrive');
      const silentAt = Date.now();
      frozen = true;
      while (peer.host.isOnline() && Date.now() - silentAt < 5000) await new Promise((r) => setTimeout(r, 20));
      const detectedMs = Date.now() - silentAt;
      assert.equal(peer.host.isOnline(), false);
      // Lost 800 ms after the last beat it received: up to one beat (200 ms) before 800 ms of silence here.
      assert.ok(detectedMs >= 550 && detectedMs < 2000, `lost after ${detectedMs} ms with an 800 ms threshold and 200 ms beats`);
      frozen = false;
      for (const s of sockets) s.destroy();
      const deadline = Date.now() + 5000;
      while (!peer.host.isOnline() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(peer.host.isOnline(), true, 'back once it answers');
      assert.deepEqual(seen.map((e) => e.online), [false, true]);
    } finally {
      await peer.close();
      relay.close();
      for (const s of sockets) s.destroy();
    }
  });
});
