/**
 * `onebox serve`: the composition root of the server. Takes the data directory's lock, opens
 * the database, recovers from the last run, serves HTTPS (or plain HTTP behind a TLS proxy)
 * and attaches this machine's host agent.
 */
import { upgradeWebSocket } from '@hono/node-server';
import { createApp } from '../api/app.js';
import { createConsoleWebSocketServer } from '../api/console-ws.js';
import { HostAgents } from '../cluster/host-agent.js';
import type { ServeConfig } from '../config.js';
import { detectAccel } from '../lib/accel.js';
import { readEmbeddedAsset } from '../lib/embedded-assets.js';
import { HostAllowList, localHostNames } from '../lib/host-names.js';
import { stopAllChildren } from '../lib/exec.js';
import { log } from '../lib/log.js';
import type { ServerTls } from '../lib/tls-files.js';
import { createServices, type Services } from '../services/index.js';
import { DEFAULT_UPLOAD_LIMITS } from '../services/uploads.js';
import type { FileLibrary } from '../storage/library.js';
import { VERSION } from '../version.js';
import { startHttpServer } from './http-server.js';
import { attachLocalHostWithRetry, localHostAddress, primaryAddress } from './local-host.js';
import { prepareLocalMigrationTls } from './migration-tls-setup.js';
import { startJoinedHosts } from './peer-hosts.js';
import { openDataDir } from './serve-data-dir.js';
import { listeningLine, prepareTls } from './serve-tls.js';

/** What a restart finds: operations and instances cut off mid-way, and files no row refers to. */
async function recoverFromLastRun(s: Services, library: FileLibrary): Promise<void> {
  const interrupted = s.operations.failInterrupted();
  if (interrupted) log.warn('operations interrupted by the last shutdown were marked failed', { count: interrupted });
  const reservations = s.migrator.releaseInterrupted();
  if (reservations) log.warn('room that cut-off migrations held on their target hosts was released', { count: reservations });
  const instances = s.reconciler.markInterrupted();
  if (instances) log.warn('instances cut off while being created or deleted are now in error', { count: instances });
  s.pools.ensureDefault();
  s.storagePools.ensureDefault();
  const unconverted = s.images.dropUnfinished();
  if (unconverted) log.warn('images whose conversion the last shutdown cut off were removed', { count: unconverted });
  const removed = await library.sweep({ images: new Set(s.images.list().map((i) => i.fileName)), media: new Set(s.media.list().map((m) => m.fileName)) });
  if (removed.length) log.warn('removed leftover files from the data directory', { files: removed });
}

/** Serves the app over HTTPS (or plain HTTP without `tls`), websockets included; prints the listening line. */
function listen(cfg: ServeConfig, app: ReturnType<typeof createApp>, tls: ServerTls | undefined, hosts: HostAllowList, setupCode: string | undefined, setupCodeFile: string) {
  const server = startHttpServer({
    fetch: app.fetch, port: cfg.port, hostname: cfg.listen, tls, allowsHost: (host) => hosts.allows(host),
    websocket: createConsoleWebSocketServer(), // 1 MiB messages at most; noVNC's 'binary' subprotocol
    onListening: (addr) => {
      const shown = cfg.listen === '0.0.0.0' || cfg.listen === '::' ? primaryAddress(cfg.listen) : cfg.listen;
      console.log(listeningLine(VERSION, shown, addr.port, tls));
      if (tls?.caFile) console.log(`clients can trust onebox's CA: ${tls.caFile}`);
      if (setupCode) console.log(`setup code: ${setupCode} (the first visit asks for it to create the admin; also in ${setupCodeFile})`);
    },
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
  const dir = await openDataDir(cfg.dataDir);
  const agents = new HostAgents();
  const s = createServices({
    db: dir.db, agents, library: dir.library, setupCode: dir.setupCode, kvmCpu: cfg.kvmCpu, vncListen: cfg.vncListen,
    consoleTokenTtlMs: cfg.consoleTokenTtlSeconds * 1000, acpiGraceMs: cfg.acpiGraceSeconds * 1000, uploadLimits: { ...DEFAULT_UPLOAD_LIMITS, maxBytes: cfg.maxUploadBytes }, imageImport: { allowPrivate: cfg.imageImportAllowPrivate },
  });
  await recoverFromLastRun(s, dir.library);
  const setupCode = s.auth.prepareSetup();
  // Housekeeping: tables that only grow are trimmed to what is worth keeping.
  const housekeeping = setInterval(() => {
    s.auth.pruneExpiredSessions();
    s.operations.pruneFinished();
    s.audit.prune();
    s.usage.store.pruneStale();
  }, 10 * 60_000).unref();
  s.usage.collector.start(cfg.usageIntervalSeconds * 1000);

  const configuredNames = [cfg.publicUrl?.hostname, cfg.listen].filter((n): n is string => n !== undefined && n !== '0.0.0.0' && n !== '::');
  const tls = await prepareTls(cfg, dir.tlsDir, localHostNames(configuredNames));
  const hosts = new HostAllowList(configuredNames);
  const app = createApp(s, {
    version: VERSION, readAsset: readEmbeddedAsset, upgradeWebSocket, trustProxy: cfg.trustProxy,
    allowsHost: (host) => hosts.allows(host), publicOrigin: cfg.publicUrl?.origin,
  });
  const server = listen(cfg, app, tls, hosts, setupCode, dir.setupCodeFile);
  const migrationTls = await prepareLocalMigrationTls(cfg.dataDir, dir.tlsDir, tls, localHostAddress(cfg));
  void attachLocalHostWithRetry(cfg, accel, s, migrationTls?.pkiDir);
  const controllerUrl = cfg.publicUrl?.origin ?? `https://${primaryAddress(cfg.listen)}:${cfg.port}`;
  await startJoinedHosts(s, tls, dir.tlsDir, controllerUrl, { beatMs: cfg.heartbeat.intervalSeconds * 1000, lostAfterMs: cfg.heartbeat.lostAfterSeconds * 1000 });
  s.auth.startTokenUseFlush();

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('shutting down');
  clearInterval(housekeeping);
  s.usage.collector.stop();
  server.close();
  // A live migration still running would end on a host the database never records: cancel it (the guest stays put).
  // Image imports are cancelled too: their partial files go now instead of at the next start's sweep.
  const cancelled = s.operations.cancelAll();
  if (cancelled) log.warn('cancelled operations still running at shutdown', { count: cancelled });
  // Let running operations record their outcome before the database closes (bounded wait),
  // then stop commands still at work (a qemu-img copy must not outlive us and write on).
  await Promise.race([s.operations.settled(), new Promise((r) => setTimeout(r, 10_000))]);
  const stopped = stopAllChildren();
  if (stopped) log.warn('stopped commands still running at shutdown', { count: stopped });
  const attached = agents.entries();
  s.hosts.stop();
  s.auth.stopTokenUseFlush();
  await Promise.all(attached.map(([, a]) => a.close().catch(() => undefined)));
  dir.db.$client.close();
}
