/** Attaching this machine as a host: connect to its hypervisor (retrying while libvirtd is away), build its agent, attach it like any host. */
import { networkInterfaces } from 'node:os';
import { LocalHostAgent } from '../cluster/local-agent.js';
import { startLoopbackPeer } from '../cluster/peer/loopback.js';
import type { ServeConfig } from '../config.js';
import type { HypervisorDriver } from '../hypervisor/driver.js';
import { openLibvirtDriver } from '../hypervisor/libvirt/driver.js';
import type { AccelDecision } from '../lib/accel.js';
import { log } from '../lib/log.js';
import type { Services } from '../services/index.js';

/** First non-loopback IPv4 address, used as the host's address when listening on all. */
export function primaryAddress(listen: string): string {
  if (listen !== '0.0.0.0' && listen !== '::') return listen;
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

/** Connects to libvirt, retrying every few seconds until it answers (libvirtd may start after us). */
export async function connectHypervisor(cfg: Pick<ServeConfig, 'libvirtUri' | 'libvirtSocket'>): Promise<HypervisorDriver> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openLibvirtDriver({ uri: cfg.libvirtUri, socketPath: cfg.libvirtSocket, log: (line) => log.info(line) });
    } catch (err) {
      if (attempt === 1) log.error('cannot reach libvirt; retrying every 5 s (is libvirtd running? try `onebox doctor`)', { error: String(err) });
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

/** The address other hosts reach this one at (its recorded address, named by its migration certificate). */
export function localHostAddress(cfg: Pick<ServeConfig, 'listen' | 'migrationAddress'>): string {
  return cfg.migrationAddress ?? primaryAddress(cfg.listen);
}

/** Attaches this machine's host agent once its hypervisor answers: the same path any host takes. */
async function attachLocalHost(cfg: ServeConfig, accel: AccelDecision, s: Services, migrationPkiDir: string | undefined): Promise<void> {
  const hypervisor = await connectHypervisor(cfg);
  const agent = new LocalHostAgent({ dataDir: cfg.dataDir, hypervisor, accel, netns: cfg.hostNetns, nfsMode: cfg.nfsMode, migrationPkiDir });
  try {
    const swept = await agent.sweepBuilds();
    if (swept.length) log.warn('removed image builds and disk copies cut off by the last shutdown', { files: swept });
    const incoming = await agent.sweepIncoming();
    if (incoming.length) log.warn('removed half-copied instance files of migrations cut off by the last shutdown', { instances: incoming });
    // --local-agent loopback: the controller drives this host through the peer protocol, as it would a joined one.
    const attached = cfg.localAgent === 'loopback' ? (await startLoopbackPeer(agent)).client : agent;
    const host = await s.hosts.attach(attached, { local: true, defaultPoolId: s.pools.ensureDefault().id, address: localHostAddress(cfg) });
    log.info('local host ready', { host: host.name, accel: accel.accel, reason: accel.reason, libvirt: host.libvirtVersion, qemu: host.hypervisorVersion });
  } catch (err) {
    await agent.close().catch(() => undefined); // a retry opens a fresh connection
    throw err;
  }
}

/** Keeps trying to attach the local host (libvirtd may come and go while we start). */
export async function attachLocalHostWithRetry(cfg: ServeConfig, accel: AccelDecision, s: Services, migrationPkiDir: string | undefined): Promise<void> {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      return await attachLocalHost(cfg, accel, s, migrationPkiDir);
    } catch (err) {
      log.error('local host setup failed; retrying', { error: String(err), retryInMs: delay });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
