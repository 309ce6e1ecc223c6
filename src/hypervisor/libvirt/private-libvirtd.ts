/**
 * Test support: libvirt daemons that only the test which started them uses, so a test may kill
 * and restart them without touching the machine's own libvirtd or anybody else's guests. Never
 * used by product code.
 *
 * - `startPrivateLibvirtd()`: an unprivileged session daemon (run as `nobody` with its own XDG
 *   directories) for `test:///default`.
 * - `startPrivateQemuLibvirtd()`: a root daemon serving `qemu:///system` with real QEMU guests,
 *   in its own mount namespace where fresh directories are bound over /etc/libvirt, /run/libvirt,
 *   /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt. QEMU writes its logs itself
 *   (`stdio_handler = "file"`), so the system's virtlogd is not needed either. With `netns` it
 *   runs inside that network namespace (and a private UTS namespace): its networks' bridges,
 *   dnsmasq, firewall rules and guests' taps are made there, never in the root namespace.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running private daemon. */
export interface PrivateLibvirtd {
  /** Unix socket of the daemon. */
  socketPath: string;
  /** Kills the daemon (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts the daemon again (after kill) on the same socket. */
  restart(): Promise<void>;
  /** Kills the daemon and removes its directories. */
  stop(): Promise<void>;
}

/** A private daemon serving qemu:///system; `stop()` also kills every guest it started. */
export interface PrivateQemuLibvirtd extends PrivateLibvirtd {
  /** The daemon's own directory (configuration, state, socket); `stop()` removes it. */
  dir: string;
  /** URI for virsh and other libvirt clients: `qemu+unix:///system?socket=…`. */
  uri: string;
  /** Kills the QEMU process of `domain` (SIGKILL, like a crash) and waits until it is gone; throws when none runs. */
  killGuest(domain: string): Promise<void>;
}

const NOBODY_UID = 65534;

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function childPids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Whether `pid` runs (a zombie waiting for its parent does not count). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Runs a daemon process made by `launch` until killed: start waits for `socketPath`; kill sends
 * SIGKILL (like a crash) to the pids `targets` names (the process itself by default) and waits.
 */
function daemonProcess(socketPath: string, launch: () => ChildProcess, targets: (proc: ChildProcess) => number[] = (p) => (p.pid === undefined ? [] : [p.pid])) {
  let child: ChildProcess | undefined;
  let stderr = '';

  const start = async (): Promise<void> => {
    rmSync(socketPath, { force: true });
    stderr = '';
    const proc = launch();
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child = proc;
    try {
      await waitFor(() => existsSync(socketPath) || proc.exitCode !== null, 20_000, `private libvirtd socket ${socketPath}`);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
    if (proc.exitCode !== null) throw new Error(`private libvirtd exited with code ${proc.exitCode}: ${stderr.trim()}`);
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    for (const pid of targets(proc)) killPid(pid);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };

  /** Pid of the running daemon process, if any. */
  const pid = (): number | undefined => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined);

  return { start, kill, pid };
}

/** Starts libvirtd as `nobody` in a fresh temporary directory and waits for its socket. */
export async function startPrivateLibvirtd(): Promise<PrivateLibvirtd> {
  const base = mkdtempSync(join(tmpdir(), 'onebox-libvirtd-'));
  const dirs = ['run', 'config', 'cache', 'home'].map((d) => join(base, d));
  for (const d of [base, ...dirs]) {
    mkdirSync(d, { recursive: true });
    chownSync(d, NOBODY_UID, NOBODY_UID);
  }
  const [run, config, cache, home] = dirs;
  const socketPath = join(run, 'libvirt', 'libvirt-sock');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', XDG_RUNTIME_DIR: run, XDG_CONFIG_HOME: config, XDG_CACHE_HOME: cache, HOME: home };
  const daemon = daemonProcess(
    socketPath,
    () => spawn('runuser', ['-u', 'nobody', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'libvirtd', '--timeout', '120'], { stdio: ['ignore', 'ignore', 'pipe'] }),
    // libvirtd is runuser's child: kill it by pid, like a crash; runuser then exits.
    (proc) => childPids(proc.pid),
  );
  await daemon.start();
  return {
    socketPath,
    kill: daemon.kill,
    restart: daemon.start,
    stop: async () => {
      await daemon.kill();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** The system directories the QEMU daemon gets its own copy of, by the name of its stand-in. */
const BOUND = { etc: '/etc/libvirt', run: '/run/libvirt', lib: '/var/lib/libvirt', log: '/var/log/libvirt', cache: '/var/cache/libvirt' };

/** QEMU runs as `user` and its group; libvirt's DAC driver (always on, dynamic_ownership) hands it the guest's files. */
const qemuConfLines = (user: string) => ['security_driver = "none"', `user = "${user}"`, `group = "${user}"`, 'stdio_handler = "file"'];
/**
 * A private daemon in the root network namespace shares its ports with the system daemon and with
 * other private ones: each daemon checks a VNC port is free before its QEMU binds it, so two
 * daemons starting guests at once both took 5900 and one QEMU failed ("Address already in use";
 * CI, two test files at a time). Each gets a range of 100 display ports of its own, away from 5900.
 */
function displayPortLines(): string[] {
  const min = 6000 + 100 * Math.floor(Math.random() * 500);
  return [`remote_display_port_min = ${min}`, `remote_display_port_max = ${min + 99}`];
}
// `ip netns exec` remounts /sys, which hides cgroup v1 from the daemon: guests go without cgroups.
const QEMU_CONF_NETNS = ['cgroup_controllers = [ ]'];

/** Options of {@link startPrivateQemuLibvirtd}. */
export interface PrivateQemuLibvirtdOptions {
  /** Network namespace (`ip netns` name) the daemon runs in, together with a private UTS namespace. */
  netns?: string;
  /** Extra lines for the daemon's libvirtd.conf (e.g. TLS listening for migration). */
  libvirtdConf?: string[];
  /** Extra lines for its qemu.conf (e.g. migration TLS and addresses). */
  qemuConf?: string[];
  /**
   * Host name inside its UTS namespace (only with `netns`): libvirt refuses to migrate between daemons of the same name.
   * It is also written into a private /etc/hosts, as Debian's installer does: libvirt looks its host name up at each
   * migration step (the cookie), and without it a namespace whose default route leads nowhere waited out the DNS
   * timeout (2 × 5 s) in the destination's Finish step, while the guest was paused.
   */
  hostname?: string;
  /** Starts the daemon with `--listen`, so it serves the TCP/TLS sockets its libvirtd.conf enables. */
  listen?: boolean;
  /** The user (and group of that name) QEMU runs as: root by default, `libvirt-qemu` as on a stock Debian host. */
  qemuUser?: string;
}

// Binds the stand-ins over the real directories (in this new mount namespace only), then
// becomes libvirtd: the spawned pid is the daemon's.
const LAUNCH_SCRIPT = `set -e
base=$1
${Object.entries(BOUND)
  .map(([dir, target]) => `mkdir -p ${target} && mount --bind "$base/${dir}" ${target}`)
  .join('\n')}
if [ -n "$2" ]; then
  hostname "$2"
  { cat /etc/hosts; echo "127.0.1.1 $2"; } > "$base/hosts" && mount --bind "$base/hosts" /etc/hosts
fi
exec libvirtd $3 --pid-file "$base/libvirtd.pid" --config "$base/etc/libvirtd.conf"`;

/** Pid from a libvirt pid file when that process lives and its command line passes `matches`. */
function livePidFrom(pidFile: string, matches: (argv: string[]) => boolean): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return matches(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a QEMU command line names `domain` as its guest. */
const isGuest = (domain: string, argv: string[]): boolean => argv.some((a) => a.startsWith(`guest=${domain},`));

/** Pid of a live QEMU process whose command line names `domain` as its guest, from a libvirt pid file. */
function qemuPidFrom(pidFile: string, domain: string): number | undefined {
  return livePidFrom(pidFile, (argv) => isGuest(domain, argv));
}

/** Pids of the live processes named by the `*.pid` files in `dir` (QEMU guests, networks' dnsmasq). */
function pidsIn(dir: string, matches: (name: string, argv: string[]) => boolean): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => livePidFrom(join(dir, f), (argv) => matches(f.slice(0, -'.pid'.length), argv)))
    .filter((pid): pid is number => pid !== undefined);
}

/** The command that runs LAUNCH_SCRIPT: a new mount namespace, inside `netns` (plus a new UTS namespace) when given. */
function launchArgv(base: string, options: PrivateQemuLibvirtdOptions): string[] {
  const { netns } = options;
  const launch = ['--propagation', 'private', '--', 'sh', '-c', LAUNCH_SCRIPT, 'private-libvirtd', base, netns === undefined ? '' : (options.hostname ?? ''), options.listen ? '--listen' : ''];
  // `ip netns exec` and `unshare` (without --fork) both exec: the spawned pid is the daemon's.
  return netns === undefined ? ['unshare', '--mount', ...launch] : ['ip', 'netns', 'exec', netns, 'unshare', '--mount', '--uts', ...launch];
}

/**
 * Starts a root libvirtd serving qemu:///system on directories of its own (needs root, unshare
 * and libvirtd; `ip` with `netns`) and waits for its socket, which is reachable from every
 * network namespace. Guests it starts are QEMU processes like the system daemon's, but only this
 * daemon knows them; `stop()` kills them too, and the dnsmasq of every network it started.
 */
export async function startPrivateQemuLibvirtd(options: PrivateQemuLibvirtdOptions = {}): Promise<PrivateQemuLibvirtd> {
  const base = mkdtempSync(join(tmpdir(), 'onebox-qemu-libvirtd-'));
  for (const dir of Object.keys(BOUND)) mkdirSync(join(base, dir), { recursive: true });
  mkdirSync(join(base, 'etc', 'qemu'));
  const qemuConf = [...qemuConfLines(options.qemuUser ?? 'root'), ...(options.netns === undefined ? displayPortLines() : QEMU_CONF_NETNS), ...(options.qemuConf ?? [])];
  writeFileSync(join(base, 'etc', 'qemu.conf'), [...qemuConf, ''].join('\n'));
  writeFileSync(join(base, 'etc', 'libvirtd.conf'), [...(options.libvirtdConf ?? []), ''].join('\n'));
  // QEMU's capabilities, probed once by the system daemon, spare this one a few seconds of probing.
  const caps = join(BOUND.cache, 'qemu', 'capabilities');
  if (existsSync(caps)) cpSync(caps, join(base, 'cache', 'qemu', 'capabilities'), { recursive: true });

  const socketPath = join(base, 'run', 'libvirt-sock');
  // Guests (run/qemu/<domain>.pid) and the dnsmasq of each started network (run/network/<network>.pid).
  const ownedPids = (): number[] => [
    ...pidsIn(join(base, 'run', 'qemu'), isGuest),
    ...pidsIn(join(base, 'run', 'network'), (_, argv) => /(^|\/)dnsmasq$/.test(argv[0] ?? '')),
  ];
  const [command, ...args] = launchArgv(base, options);
  const daemon = daemonProcess(socketPath, () => spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  // A test process that exits without its `after` hooks (process.exit) still takes its guests along.
  const killAll = () => {
    const pid = daemon.pid();
    if (pid !== undefined) killPid(pid);
    for (const child of ownedPids()) killPid(child);
    rmSync(base, { recursive: true, force: true });
  };
  process.once('exit', killAll);
  try {
    await daemon.start();
  } catch (err) {
    process.off('exit', killAll);
    killAll();
    throw err;
  }
  return {
    dir: base,
    socketPath,
    uri: `qemu+unix:///system?socket=${socketPath}`,
    kill: daemon.kill,
    restart: daemon.start,
    killGuest: async (domain) => {
      const pid = qemuPidFrom(join(base, 'run', 'qemu', `${domain}.pid`), domain);
      if (pid === undefined) throw new Error(`no QEMU process of ${domain} runs under the private libvirtd in ${base}`);
      killPid(pid);
      await waitFor(() => !alive(pid), 10_000, `QEMU of ${domain} (pid ${pid}) to exit`);
    },
    stop: async () => {
      process.off('exit', killAll);
      await daemon.kill();
      const children = ownedPids();
      for (const pid of children) killPid(pid);
      await waitFor(() => !children.some(alive), 10_000, `the private daemon's guests and dnsmasq (${children.join(', ')}) to exit`);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
