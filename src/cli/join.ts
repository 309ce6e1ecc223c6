/**
 * `onebox join URL --token T --fingerprint SHA256:…` and `onebox agent`: the agent role of a
 * joined server. Join pins the controller's certificate, sends a CSR with the token, keeps the
 * certificate it gets under `<data-dir>/agent/` (0600) and serves the peer protocol over HTTPS
 * that requires the controller's client certificate. Later starts (`onebox agent`, or `onebox
 * join` again) come back from those files without a token. Guests keep running whatever the
 * controller does; the agent only logs when the controller stops calling.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalHostAgent } from '../cluster/local-agent.js';
import { createPeerServer } from '../cluster/peer/server.js';
import { detectAccel, type AccelSetting } from '../lib/accel.js';
import { AppError } from '../lib/errors.js';
import { NFS_MODE_HELP, parseNfsMode } from '../config.js';
import type { NfsMode } from '../storage/nfs.js';
import { log } from '../lib/log.js';
import { acquirePidLock } from '../lib/pid-lock.js';
import { CONTROLLER_CERT_NAME } from './peer-hosts.js';
import { connectHypervisor, primaryAddress } from './local-host.js';
import { installMigrationTls, migrationPkiDir } from './migration-tls-setup.js';
import { postJsonPinned } from './pinned-request.js';

/** Usage of `onebox join` and `onebox agent`. */
export const JOIN_USAGE = `onebox join https://<controller>:5870 --token TOKEN --fingerprint SHA256:… [options]
onebox agent [options]            (start again as the joined host, no token needed)
  --data-dir DIR        where this host keeps its files (default /var/lib/onebox, env ONEBOX_DATA_DIR)
  --listen ADDR:PORT    the agent endpoint (default 0.0.0.0:5871)
  --advertise URL       the https://addr:port the controller dials (default this host's address and the port);
                        its address is also where other hosts reach this host's libvirtd for live migration
  --accel MODE          kvm | tcg | auto (default auto)
  --libvirt-uri URI     hypervisor URI (default qemu:///system)
  --libvirt-socket PATH libvirtd socket (default /run/libvirt/libvirt-sock)
${NFS_MODE_HELP}
  --controller-lost-after S
                        log that the controller is away after S seconds without a call (default 30)`;

/** What the agent keeps after joining. */
interface Identity {
  controller: string;
  hostId: string;
  hostName: string;
  listen: string;
  advertise: string;
}

/** The settings of `join` and `agent`. */
export interface AgentConfig {
  dataDir: string;
  listenHost: string;
  listenPort: number;
  advertise?: string;
  accel: AccelSetting;
  libvirtUri: string;
  libvirtSocket: string;
  /** How this host reaches NFS storage pools (as serve --nfs-mode). */
  nfsMode: NfsMode;
  controllerLostAfterMs: number;
}

const FILES = { key: 'key.pem', cert: 'cert.pem', ca: 'ca.pem', identity: 'joined.json' } as const;

/** Parses the flags of `join` and `agent`; throws validation_failed with a sentence on a bad value. */
export function parseAgentArgs(argv: string[]): { cfg: AgentConfig; url?: string; token?: string; fingerprint?: string } {
  const { values, positionals } = parseArgs({
    args: argv, strict: true, allowPositionals: true,
    options: {
      token: { type: 'string' }, fingerprint: { type: 'string' }, 'data-dir': { type: 'string' }, listen: { type: 'string' }, advertise: { type: 'string' },
      accel: { type: 'string' }, 'libvirt-uri': { type: 'string' }, 'libvirt-socket': { type: 'string' }, 'controller-lost-after': { type: 'string' },
      'nfs-mode': { type: 'string' },
    },
  });
  const listen = values.listen ?? '0.0.0.0:5871';
  const m = /^(.+):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new AppError('validation_failed', `--listen must be ADDR:PORT, not '${listen}'.`);
  const accel = values.accel ?? 'auto';
  if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg') throw new AppError('validation_failed', `--accel must be kvm, tcg or auto, not '${accel}'.`);
  const lostAfter = Number(values['controller-lost-after'] ?? 30);
  if (!Number.isFinite(lostAfter) || lostAfter <= 0) throw new AppError('validation_failed', `--controller-lost-after must be a number of seconds, not '${values['controller-lost-after']}'.`);
  if (values.advertise !== undefined && !/^https:\/\/.+:\d+\/?$/.test(values.advertise)) throw new AppError('validation_failed', `--advertise must be https://ADDR:PORT, not '${values.advertise}'.`);
  return {
    cfg: {
      dataDir: values['data-dir'] ?? process.env.ONEBOX_DATA_DIR ?? '/var/lib/onebox', listenHost: m[1].replace(/^\[|\]$/g, ''), listenPort: Number(m[2]), advertise: values.advertise,
      accel, libvirtUri: values['libvirt-uri'] ?? 'qemu:///system', libvirtSocket: values['libvirt-socket'] ?? '/run/libvirt/libvirt-sock', nfsMode: parseNfsMode(values['nfs-mode']),
      controllerLostAfterMs: lostAfter * 1000,
    },
    url: positionals[0], token: values.token, fingerprint: values.fingerprint,
  };
}

const agentDir = (cfg: AgentConfig) => join(cfg.dataDir, 'agent');

function readIdentity(cfg: AgentConfig): Identity | undefined {
  const file = join(agentDir(cfg), FILES.identity);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Identity) : undefined;
}

function writeSecret(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** `onebox join`: joins once, then (and on every later run) serves as the joined host's agent. */
export async function runJoin(argv: string[]): Promise<number> {
  const { cfg, url, token, fingerprint } = parseAgentArgs(argv);
  const known = readIdentity(cfg);
  if (known) {
    console.log(`already joined to ${known.controller} as host ${known.hostName} (${known.hostId}); starting the agent`);
    return serveAgent(cfg, known);
  }
  if (!url || !token || !fingerprint) throw new AppError('validation_failed', `onebox join needs the controller's URL, --token and --fingerprint.\n\n${JOIN_USAGE}`);
  let controller: URL;
  try {
    controller = new URL(url);
  } catch {
    throw new AppError('validation_failed', `'${url}' is not a URL like https://10.0.0.1:5870.`);
  }
  if (controller.protocol !== 'https:') throw new AppError('validation_failed', `The controller's URL must be https://, not '${url}'.`);
  return serveAgent(cfg, undefined, async (agent) => {
    const facts = await agent.host.facts([]);
    const advertise = cfg.advertise ?? `https://${primaryAddress(cfg.listenHost)}:${cfg.listenPort}`;
    const { createCsr } = await import('../lib/tls-ca.js');
    const csr = await createCsr(`onebox host ${hostname()}`);
    const { status, json } = await postJsonPinned(controller, fingerprint, '/api/v1/join', {
      token, csr: csr.csrPem, advertise: advertise.replace(/\/$/, ''),
      facts: { hostname: facts.hostname, cpus: facts.cpus, memoryMiB: facts.memoryMiB, accel: facts.accel, accelReason: facts.accelReason, libvirtVersion: facts.libvirtVersion, hypervisorVersion: facts.hypervisorVersion },
    });
    if (status !== 201) throw new AppError('validation_failed', `The controller refused to join (HTTP ${status} ${String(json.code ?? '')}): ${String(json.detail ?? json.title ?? JSON.stringify(json))}`);
    const dir = agentDir(cfg);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeSecret(join(dir, FILES.key), csr.keyPem);
    writeSecret(join(dir, FILES.cert), String(json.certPem));
    writeSecret(join(dir, FILES.ca), String(json.caPem));
    const identity: Identity = { controller: controller.origin, hostId: String(json.hostId), hostName: String(json.hostName), listen: `${cfg.listenHost}:${cfg.listenPort}`, advertise };
    writeSecret(join(dir, FILES.identity), JSON.stringify(identity, null, 2) + '\n');
    console.log(`joined ${controller.origin} as host ${identity.hostName} (${identity.hostId}); the admin can now add it to a pool`);
    return identity;
  });
}

/** `onebox agent`: the joined host's agent, from the files join left. */
export async function runAgent(argv: string[]): Promise<number> {
  const { cfg } = parseAgentArgs(argv);
  const known = readIdentity(cfg);
  if (!known) throw new AppError('validation_failed', `${cfg.dataDir} holds no joined host; run onebox join first.`);
  return serveAgent(cfg, known);
}

/** Locks the data dir, connects libvirt, joins when `join` is given, and serves the agent until SIGINT/SIGTERM. */
async function serveAgent(cfg: AgentConfig, known: Identity | undefined, join_?: (agent: LocalHostAgent) => Promise<Identity>): Promise<number> {
  process.umask(0o077);
  mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  const lock = acquirePidLock(join(cfg.dataDir, 'onebox.lock'), cfg.dataDir);
  process.once('exit', () => lock.release());
  const accel = detectAccel(cfg.accel);
  const hypervisor = await connectHypervisor(cfg);
  // The migration files come from the join certificate, so they are written below, once joined; the agent reads them when a migration starts.
  const agent = new LocalHostAgent({ dataDir: cfg.dataDir, hypervisor, accel, nfsMode: cfg.nfsMode, migrationPkiDir: migrationPkiDir(cfg.dataDir) });
  const incoming = await agent.sweepIncoming();
  if (incoming.length) log.warn('removed half-copied instance files of migrations cut off by the last shutdown', { instances: incoming });
  const identity = known ?? (await join_!(agent));
  const dir = agentDir(cfg);
  const tls = { certPem: readFileSync(join(dir, FILES.cert), 'utf8'), keyPem: readFileSync(join(dir, FILES.key), 'utf8'), caPem: readFileSync(join(dir, FILES.ca), 'utf8'), controllerName: CONTROLLER_CERT_NAME };
  // The join certificate (usage both, the advertised address in its SAN) is this host's migration certificate too.
  installMigrationTls(cfg.dataDir, { caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem }, new URL(identity.advertise).hostname.replace(/^\[|\]$/g, ''));
  let lastCall = Date.now();
  let away = false;
  const server = createPeerServer(agent, {
    tls,
    onCall: () => {
      lastCall = Date.now();
      if (away) log.info('the controller is back', { controller: identity.controller });
      away = false;
    },
  });
  const watch = setInterval(() => {
    if (away || Date.now() - lastCall < cfg.controllerLostAfterMs) return;
    away = true;
    log.warn('no call from the controller; guests keep running', { controller: identity.controller, seconds: Math.round((Date.now() - lastCall) / 1000) });
  }, 1000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.listenPort, cfg.listenHost, resolve);
  });
  console.log(`onebox agent of host ${identity.hostName} listening on https://${cfg.listenHost}:${cfg.listenPort} (mutual TLS; controller ${identity.controller})`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(watch);
  server.closeAllConnections();
  server.close();
  await agent.close().catch(() => undefined);
  return 0;
}
