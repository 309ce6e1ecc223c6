/**
 * DHCP for bridged networks with an address pool: one dnsmasq per network, supervised. It is
 * restarted when it dies (with backoff), a stale one from an earlier run is stopped at start,
 * and a changed reservation list is written to its hosts file (atomically) and re-read on
 * SIGHUP: no restart, no lost lease. `prefix` runs it elsewhere (a lab's network namespace).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { log } from '../lib/log.js';
import { dnsmasqArgs, dnsmasqHostsFile, parseLeaseFile, type DhcpReservation, type DnsmasqConfig, type DnsmasqFiles } from './dnsmasq-config.js';

/** How one supervised dnsmasq is doing. */
export interface DnsmasqState {
  running: boolean;
  /** How often it had to be restarted since onebox started. */
  restarts: number;
  /** The last thing it said before it died, if it died. */
  lastError?: string;
}

interface Instance {
  cfg: DnsmasqConfig;
  key: string;
  child?: ChildProcess;
  restarts: number;
  lastError?: string;
  stopping: boolean;
  timer?: NodeJS.Timeout;
}

/** Supervises the dnsmasq processes of one host. */
export class DnsmasqSupervisor {
  private readonly instances = new Map<string, Instance>();

  constructor(
    private readonly stateDir: string,
    /** Command prefix, e.g. ['ip', 'netns', 'exec', 'lab'] in tests; none on a real host. */
    private readonly prefix: string[] = [],
    /** The directories from here down to `stateDir` are made traversable for dnsmasq's unprivileged user. */
    private readonly traversableFrom = stateDir,
    private readonly binary = 'dnsmasq',
  ) {}

  private files(id: string): DnsmasqFiles {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`invalid dnsmasq instance id '${id}'`);
    return { hostsFile: join(this.stateDir, `${id}.hosts`), leaseFile: join(this.stateDir, `${id}.leases`), pidFile: join(this.stateDir, `${id}.pid`) };
  }

  /** Makes dnsmasq `id` serve `hosts` with `cfg`: started if needed, restarted if the config changed, else told to re-read its hosts. */
  async ensure(id: string, cfg: DnsmasqConfig, hosts: DhcpReservation[]): Promise<void> {
    // dnsmasq drops root after it starts and re-reads the hosts file on SIGHUP as its own user:
    // the directory and hosts file must be readable by it (reservations are no secret on a LAN).
    await mkdir(this.stateDir, { recursive: true });
    for (let dir = this.stateDir; dir.startsWith(this.traversableFrom); dir = dirname(dir)) await chmod(dir, 0o755);
    const files = this.files(id);
    const tmp = `${files.hostsFile}.new`;
    await writeFile(tmp, dnsmasqHostsFile(hosts));
    await chmod(tmp, 0o644);
    await rename(tmp, files.hostsFile);
    const key = JSON.stringify(cfg);
    const current = this.instances.get(id);
    if (current && current.key === key && current.child && current.child.exitCode === null) {
      current.child.kill('SIGHUP');
      return;
    }
    if (current) await this.stop(current);
    else await this.stopStale(files.pidFile);
    const instance: Instance = { cfg, key, restarts: 0, stopping: false };
    this.instances.set(id, instance);
    this.launch(id, instance);
  }

  /** Stops dnsmasq `id` and forgets its files. */
  async remove(id: string): Promise<void> {
    const instance = this.instances.get(id);
    this.instances.delete(id);
    if (instance) await this.stop(instance);
    else await this.stopStale(this.files(id).pidFile);
    const files = this.files(id);
    for (const f of [files.hostsFile, files.leaseFile, files.pidFile]) await rm(f, { force: true });
    await rmdir(this.stateDir).catch(() => undefined); // when it was the last one
  }

  state(id: string): DnsmasqState {
    const instance = this.instances.get(id);
    return { running: instance?.child?.exitCode === null && instance.child.signalCode === null, restarts: instance?.restarts ?? 0, ...(instance?.lastError ? { lastError: instance.lastError } : {}) };
  }

  /** The pid of dnsmasq `id`, while it runs (tests kill it to see it come back). */
  pid(id: string): number | undefined {
    const child = this.instances.get(id)?.child;
    return child && child.exitCode === null ? child.pid : undefined;
  }

  async leases(id: string): Promise<ReturnType<typeof parseLeaseFile>> {
    return parseLeaseFile(await readFile(this.files(id).leaseFile, 'utf8').catch(() => ''));
  }

  /** Stops every dnsmasq (at shutdown: the next start takes over from the pid files anyway). */
  async stopAll(): Promise<void> {
    for (const [id, instance] of this.instances) {
      this.instances.delete(id);
      await this.stop(instance);
    }
  }

  private launch(id: string, instance: Instance): void {
    const files = this.files(id);
    const child = spawn(this.prefix[0] ?? this.binary, [...this.prefix.slice(1), ...(this.prefix.length ? [this.binary] : []), ...dnsmasqArgs(instance.cfg, files)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    instance.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', (err) => (instance.lastError = err.message));
    child.on('exit', (code, signal) => {
      if (instance.stopping || this.instances.get(id) !== instance) return;
      instance.lastError = stderr.trim().split('\n').at(-1) || `exited with ${signal ?? `code ${code}`}`;
      instance.restarts++;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(instance.restarts, 6));
      log.warn('dnsmasq stopped; restarting it', { network: id, restarts: instance.restarts, inMs: delay, error: instance.lastError });
      instance.timer = setTimeout(() => this.instances.get(id) === instance && this.launch(id, instance), delay);
      instance.timer.unref();
    });
  }

  private async stop(instance: Instance): Promise<void> {
    instance.stopping = true;
    clearTimeout(instance.timer);
    const child = instance.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** A dnsmasq left by an earlier run (its pid file, and its command line naming our lease file) is stopped. */
  private async stopStale(pidFile: string): Promise<void> {
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 1) return;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(pidFile.replace(/\.pid$/, '.leases'))) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
}
