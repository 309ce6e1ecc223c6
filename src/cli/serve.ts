/**
 * `onebox serve`: the composition root of the server. Opens the database, connects to the
 * local hypervisor, registers the local host, reconciles instance state and serves HTTP.
 */
import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { serve, upgradeWebSocket } from '@hono/node-server';
import { createApp } from '../api/app.js';
import { createConsoleWebSocketServer } from '../api/console-ws.js';
import { HostAgents } from '../cluster/host-agent.js';
import { LocalHostAgent } from '../cluster/local-agent.js';
import { startLoopbackPeer } from '../cluster/peer/loopback.js';
import type { ServeConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import type { HypervisorDriver } from '../hypervisor/driver.js';
import { openLibvirtDriver } from '../hypervisor/libvirt/driver.js';
import { detectAccel, type AccelDecision } from '../lib/accel.js';
import { readEmbeddedAsset } from '../lib/embedded-assets.js';
import { log } from '../lib/log.js';
import { createServices, type Services } from '../services/index.js';
import { FileLibrary } from '../storage/library.js';
import { QemuImg } from '../storage/qemu-img.js';
import { VERSION } from '../version.js';


/** First non-loopback IPv4 address, used as the host's address when listening on all. */
function primaryAddress(listen: string): string {
  if (listen !== '0.0.0.0' && listen !== '::') return listen;
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

/** Connects to libvirt, retrying every few seconds until it answers (libvirtd may start after us). */
async function connectHypervisor(cfg: ServeConfig): Promise<HypervisorDriver> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openLibvirtDriver({ uri: cfg.libvirtUri, socketPath: cfg.libvirtSocket, log: (line) => log.info(line) });
    } catch (err) {
      if (attempt === 1) log.error('cannot reach libvirt; retrying every 5 s (is libvirtd running? try `onebox doctor`)', { error: String(err) });
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

/** Attaches this machine's host agent once its hypervisor answers: the same path any host takes. */
async function attachLocalHost(cfg: ServeConfig, accel: AccelDecision, s: Services): Promise<LocalHostAgent> {
  const hypervisor = await connectHypervisor(cfg);
  const agent = new LocalHostAgent({ dataDir: cfg.dataDir, hypervisor, accel });
  try {
    // --local-agent loopback: the controller drives this host through the peer protocol, as it would a joined one.
    const attached = cfg.localAgent === 'loopback' ? (await startLoopbackPeer(agent)).client : agent;
    const host = await s.hosts.attach(attached, { local: true, defaultPoolId: s.pools.ensureDefault().id, address: primaryAddress(cfg.listen) });
    log.info('local host ready', { host: host.name, accel: accel.accel, reason: accel.reason, libvirt: host.libvirtVersion, qemu: host.hypervisorVersion });
    return agent;
  } catch (err) {
    await agent.close().catch(() => undefined); // a retry opens a fresh connection
    throw err;
  }
}

/** Keeps trying to attach the local host (libvirtd may come and go while we start). */
async function attachLocalHostWithRetry(cfg: ServeConfig, accel: AccelDecision, s: Services): Promise<LocalHostAgent> {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      return await attachLocalHost(cfg, accel, s);
    } catch (err) {
      log.error('local host setup failed; retrying', { error: String(err), retryInMs: delay });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** What a restart finds: operations and instances cut off mid-way, and files no row refers to. */
async function recoverFromLastRun(s: Services, library: FileLibrary): Promise<void> {
  const interrupted = s.operations.failInterrupted();
  if (interrupted) log.warn('operations interrupted by the last shutdown were marked failed', { count: interrupted });
  const instances = s.reconciler.markInterrupted();
  if (instances) log.warn('instances cut off while being created or deleted are now in error', { count: instances });
  s.pools.ensureDefault();
  s.storagePools.ensureDefault();
  const removed = await library.sweep({ images: new Set(s.images.list().map((i) => i.fileName)), media: new Set(s.media.list().map((m) => m.fileName)) });
  if (removed.length) log.warn('removed leftover files from the data directory', { files: removed });
}

/** Runs the server until SIGINT/SIGTERM. */
export async function runServe(cfg: ServeConfig): Promise<void> {
  log.setLevel(cfg.logLevel);
  // A stray rejection in background work is a bug to log, not a reason to take every guest's console down.
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: err instanceof Error ? err.stack : String(err) }));
  // Decided first: an explicit --accel kvm on a host without usable KVM stops here with the reason.
  const accel = detectAccel(cfg.accel);
  await mkdir(cfg.dataDir, { recursive: true, mode: 0o700 });
  const library = new FileLibrary(cfg.dataDir, new QemuImg());
  await library.init();
  const db = openDatabase(join(cfg.dataDir, 'onebox.db'), cfg.dataDir);
  const agents = new HostAgents();
  const s = createServices({ db, agents, library, kvmCpu: cfg.kvmCpu, vncListen: cfg.vncListen, consoleTokenTtlMs: cfg.consoleTokenTtlSeconds * 1000 });
  await recoverFromLastRun(s, library);

  const app = createApp(s, { version: VERSION, readAsset: readEmbeddedAsset, upgradeWebSocket, trustProxy: cfg.trustProxy });
  const wss = createConsoleWebSocketServer(); // 1 MiB messages at most; noVNC's 'binary' subprotocol
  const server = serve({ fetch: app.fetch, port: cfg.port, hostname: cfg.listen, websocket: { server: wss } }, (addr) => {
    const shown = cfg.listen === '0.0.0.0' ? primaryAddress(cfg.listen) : cfg.listen;
    console.log(`onebox ${VERSION} listening on http://${shown}:${addr.port}`);
  });
  server.on('error', (err) => {
    log.error('cannot listen', { error: String(err), listen: cfg.listen, port: cfg.port });
    process.exit(1);
  });
  void attachLocalHostWithRetry(cfg, accel, s);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('shutting down');
  server.close();
  // Let running operations record their outcome before the database closes (bounded wait).
  await Promise.race([s.operations.settled(), new Promise((r) => setTimeout(r, 10_000))]);
  const attached = agents.entries();
  s.hosts.stop();
  await Promise.all(attached.map(([, a]) => a.close().catch(() => undefined)));
  db.$client.close();
}
