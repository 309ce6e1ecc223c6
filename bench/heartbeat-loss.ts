/**
 * Benchmark: heartbeat loss → `lost`. A host agent (fake hypervisor) served over mutual TLS as
 * a joined host is, driven by the controller's PeerHostAgent with the configured beat interval
 * and lost-after threshold, through a TCP relay that can go silent without closing anything (a
 * partition, or a peer frozen by SIGSTOP: the hard case; a killed peer closes its connections
 * and is seen at once, measured too). For each threshold, 5 trials: the time from the moment the
 * link goes silent until the host reads as offline (what GET /hosts shows as `lost`).
 * Run: node --import tsx bench/heartbeat-loss.ts
 * A host is lost `lost-after` after the last beat it received, so a trial can read up to one
 * beat under the threshold (the link fell silent just after a beat went out).
 * The last line is the median detection time divided by the configured threshold (near 1 is right).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHostAgent } from '../src/cluster/local-agent.js';
import { PeerHostAgent } from '../src/cluster/peer/client.js';
import { createPeerServer } from '../src/cluster/peer/server.js';
import { FakeHypervisorDriver } from '../src/hypervisor/fake.js';
import { createCertificateAuthority, createCsr, issueCertificate, signCsr } from '../src/lib/tls-ca.js';
import { FakeStorageDriver } from '../src/storage/fake.js';

const TRIALS = 5;
const THRESHOLDS_MS = [1000, 3000];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = await mkdtemp(join(tmpdir(), 'onebox-hb-bench-'));
const agent = new LocalHostAgent({ dataDir: dir, hypervisor: new FakeHypervisorDriver(), accel: { accel: 'tcg', reason: 'bench' }, storage: (pool, d) => new FakeStorageDriver(pool.kind === 'local' ? (pool.path ?? d) : d) });
const ca = await createCertificateAuthority('bench CA');
const controller = await issueCertificate(ca, { commonName: 'onebox controller', altNames: ['onebox-controller'], usage: 'client', validityDays: 1 });
const csr = await createCsr('peer');
const hostCert = await signCsr(ca, csr.csrPem, { commonName: 'onebox host bench', altNames: ['127.0.0.1'], usage: 'both', validityDays: 1 });
const server = createPeerServer(agent, { tls: { certPem: hostCert, keyPem: csr.keyPem, caPem: ca.certPem, controllerName: 'onebox controller' } });
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const agentPort = (server.address() as AddressInfo).port;

// The relay: silent when `frozen` (bytes are dropped, connections stay open).
let frozen = false;
const relaySockets = new Set<Socket>();
const relay = createServer((inbound) => {
  const out = new Socket();
  out.connect(agentPort, '127.0.0.1');
  for (const s of [inbound, out]) {
    relaySockets.add(s);
    s.on('close', () => relaySockets.delete(s));
    s.on('error', () => undefined);
  }
  inbound.on('data', (d) => !frozen && out.write(d));
  out.on('data', (d) => !frozen && inbound.write(d));
  inbound.on('close', () => out.destroy());
  out.on('close', () => inbound.destroy());
});
await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
const relayPort = (relay.address() as AddressInfo).port;

async function until(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(10);
  }
  return Date.now() - started;
}

const ratios: number[] = [];
for (const lostAfterMs of THRESHOLDS_MS) {
  const beatMs = Math.round(lostAfterMs / 3);
  const peer = await PeerHostAgent.connect({
    baseUrl: `https://127.0.0.1:${relayPort}`, agent: new HttpsAgent({ ca: ca.certPem, cert: controller.certPem, key: controller.keyPem, keepAlive: true }),
    beatMs, lostAfterMs, retryMs: 200,
  });
  const silent: number[] = [];
  const killed: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    await sleep(lostAfterMs); // steady state: beats flowing
    frozen = true;
    silent.push(await until(() => !peer.host.isOnline(), lostAfterMs * 4));
    frozen = false;
    for (const s of relaySockets) s.destroy(); // the partition heals: new connections
    await until(() => peer.host.isOnline(), 10_000);
    await sleep(lostAfterMs);
    for (const s of relaySockets) s.destroy(); // a killed peer: its connections close
    killed.push(await until(() => !peer.host.isOnline(), lostAfterMs * 4));
    await until(() => peer.host.isOnline(), 10_000);
  }
  await peer.close();
  const ratio = median(silent) / lostAfterMs;
  ratios.push(ratio);
  console.log(`beat ${beatMs} ms, lost after ${lostAfterMs} ms: silent link detected in ${silent.join(', ')} ms (median ${median(silent)}), closed link in ${killed.join(', ')} ms (median ${median(killed)})`);
}

relay.close();
for (const s of relaySockets) s.destroy();
server.closeAllConnections();
server.close();
await agent.close();
await rm(dir, { recursive: true, force: true });
console.log(`detection/threshold ratio (median, silent link): ${ratios.map((r) => r.toFixed(2)).join(' at 1 s, ')} at 3 s`);
