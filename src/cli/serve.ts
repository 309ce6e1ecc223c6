/**
 * `onebox serve`: the composition root of the server. Takes the data directory's lock, opens
 * the database, connects to the local hypervisor, registers the local host, reconciles instance
 * state and serves HTTPS (or plain HTTP behind a TLS proxy).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { networkInterfaces } from 'node:os';
import { serve, upgradeWebSocket } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { createApp } from '../api/app.js';
import { HostAgents } from '../cluster/host-agent.js';
import type { ServeConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import type { HypervisorDriver } from '../hypervisor/driver.js';
import { LibvirtDriver, openLibvirtDriver } from '../hypervisor/libvirt/driver.js';
import { detectAccel, type AccelDecision } from '../lib/accel.js';
import { readEmbeddedAsset } from '../lib/embedded-assets.js';
import { HostAllowList, localHostNames } from '../lib/host-names.js';
import { log } from '../lib/log.js';
import { acquirePidLock } from '../lib/pid-lock.js';
import type { ServerTls } from '../lib/tls-files.js';
import { createServices, type Services } from '../services/index.js';
import { DataPaths } from '../services/paths.js';
import { LocalStorageDriver } from '../storage/local.js';
import { VERSION } from '../version.js';
import { listeningLine, prepareTls } from './serve-tls.js';

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

/** Registers the local host once its hypervisor answers, then reconciles and follows events. */
async function attachLocalHost(cfg: ServeConfig, accel: AccelDecision, s: Services, agents: HostAgents): Promise<void> {
  const hypervisor = await connectHypervisor(cfg);
  const info = await hypervisor.hostInfo().catch(async (err: unknown) => {
    await hypervisor.close().catch(() => undefined); // a retry opens a fresh connection
    throw err;
  });
  const pool = s.pools.ensureDefault();
  const host = s.hosts.registerLocal({ info, accel: accel.accel, accelReason: accel.reason, address: primaryAddress(cfg.listen) }, pool.id);
  agents.register({ hostId: host.id, hypervisor, storage: new LocalStorageDriver() });
  hypervisor.onLifecycle((event) => void s.instances.onLifecycleEvent(event));
  // Events sent while libvirtd was down are lost: re-read every state once it is back.
  if (hypervisor instanceof LibvirtDriver) hypervisor.connection.onReconnect(() => s.instances.refreshAll());
  // Registered from here on: a failed reconcile is logged, not retried (events and reconnects refresh later).
  await s.instances.reconcileAll().catch((err: unknown) => log.error('reconciling instances failed', { error: String(err) }));
  log.info('local host ready', { host: host.name, accel: accel.accel, reason: accel.reason, libvirt: info.libvirtVersion, qemu: info.hypervisorVersion });
}

/** Keeps trying to attach the local host (libvirtd may come and go while we start). */
async function attachLocalHostWithRetry(cfg: ServeConfig, accel: AccelDecision, s: Services, agents: HostAgents): Promise<void> {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      return await attachLocalHost(cfg, accel, s, agents);
    } catch (err) {
      log.error('local host setup failed; retrying', { error: String(err), retryInMs: delay });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * Opens the data directory for this process: takes its lock first (a second server stops here,
 * touching nothing), then opens the database, and keeps local users out: the directory 0700
 * and the database files 0600, also when an older onebox made them with looser modes.
 */
async function openDataDir(paths: DataPaths) {
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  const lock = acquirePidLock(paths.lockFile, paths.root);
  process.once('exit', () => lock.release());
  for (const dir of [paths.imagesDir, paths.mediaDir, paths.instancesDir, paths.uploadsDir]) await mkdir(dir, { recursive: true });
  const db = openDatabase(paths.database, paths.root);
  await chmod(paths.root, 0o700);
  for (const file of [paths.database, `${paths.database}-wal`, `${paths.database}-shm`]) if (existsSync(file)) await chmod(file, 0o600);
  return db;
}

/** Serves the app over HTTPS (or plain HTTP without `tls`), websockets included; prints the listening line. */
function listen(cfg: ServeConfig, app: ReturnType<typeof createApp>, tls: ServerTls | undefined, setupCode: string | undefined, setupCodeFile: string) {
  // noVNC asks for the 'binary' subprotocol; accept it when offered.
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false) });
  const transport = tls ? { createServer: createHttpsServer, serverOptions: { cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.2' as const } } : {};
  const server = serve({ fetch: app.fetch, port: cfg.port, hostname: cfg.listen, websocket: { server: wss }, ...transport }, (addr) => {
    const shown = cfg.listen === '0.0.0.0' || cfg.listen === '::' ? primaryAddress(cfg.listen) : cfg.listen;
    console.log(listeningLine(VERSION, shown, addr.port, tls));
    if (tls?.caFile) console.log(`clients can trust onebox's CA: ${tls.caFile}`);
    if (setupCode) console.log(`setup code: ${setupCode} (the first visit asks for it to create the admin; also in ${setupCodeFile})`);
  });
  server.on('error', (err) => {
    log.error('cannot listen', { error: String(err), listen: cfg.listen, port: cfg.port });
    process.exit(1);
  });
  return server;
}

/** Runs the server until SIGINT/SIGTERM. */
export async function runServe(cfg: ServeConfig): Promise<void> {
  // Everything onebox creates (database, keys, disks, seeds, uploads) is for root's eyes only.
  process.umask(0o077);
  log.setLevel(cfg.logLevel);
  // A stray rejection in background work is a bug to log, not a reason to take every guest's console down.
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: err instanceof Error ? err.stack : String(err) }));
  // Decided first: an explicit --accel kvm on a host without usable KVM stops here with the reason.
  const accel = detectAccel(cfg.accel);
  const paths = new DataPaths(cfg.dataDir);
  const db = await openDataDir(paths);
  const agents = new HostAgents();
  const s = createServices({ db, agents, paths, storage: new LocalStorageDriver(), kvmCpu: cfg.kvmCpu, vncListen: cfg.vncListen, consoleTokenTtlMs: cfg.consoleTokenTtlSeconds * 1000 });
  const interrupted = s.operations.failInterrupted();
  if (interrupted) log.warn('operations interrupted by the last shutdown were marked failed', { count: interrupted });
  s.pools.ensureDefault();
  const setupCode = s.auth.prepareSetup();
  const sessionPruner = setInterval(() => s.auth.pruneExpiredSessions(), 10 * 60_000).unref();

  const configuredNames = [cfg.publicUrl?.hostname, cfg.listen].filter((n): n is string => n !== undefined && n !== '0.0.0.0' && n !== '::');
  const tls = await prepareTls(cfg, paths.tlsDir, localHostNames(configuredNames));
  const hosts = new HostAllowList(configuredNames);
  const app = createApp(s, {
    version: VERSION, readAsset: readEmbeddedAsset, upgradeWebSocket, trustProxy: cfg.trustProxy,
    allowsHost: (host) => hosts.allows(host), publicOrigin: cfg.publicUrl?.origin,
  });
  const server = listen(cfg, app, tls, setupCode, paths.setupCode);
  void attachLocalHostWithRetry(cfg, accel, s, agents);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('shutting down');
  clearInterval(sessionPruner);
  server.close();
  // Let running operations record their outcome before the database closes (bounded wait).
  await Promise.race([s.operations.settled(), new Promise((r) => setTimeout(r, 10_000))]);
  await Promise.all(agents.all().map((a) => a.hypervisor.close().catch(() => undefined)));
  db.$client.close();
}
