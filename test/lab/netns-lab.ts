/**
 * A whole "host" for system tests, inside network namespaces the test creates: `ob-<name>-host`
 * (the host) and `ob-<name>-out` (the outside: its LAN and uplink), joined by a veth pair
 * (`uplink` in the host, `peer` outside) on 10.<n>.0.0/24, n random. The host routes by default
 * through the outside and forwards IPv4; the outside runs an HTTP server answering a known body
 * and routes nowhere, so nothing in the lab reaches past it. The root namespace's NICs are never
 * touched: both veth ends are created directly in their namespaces.
 *
 *   const lab = await createLab('nat');         // in before()
 *   const libvirtd = await lab.startLibvirtd(); // qemu:///system inside the host namespace
 *   await lab.exec(['ip', '-j', 'addr']);
 *   await lab.close();                          // in after(); also runs on process exit
 */
import { type ChildProcess, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { type PrivateQemuLibvirtd, type PrivateQemuLibvirtdOptions, startPrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { run, type RunOptions, type RunResult } from '../../src/lib/exec.js';
import { command, type Missing } from '../require-system.js';
import { destroyNamespaces, forgetOwner, liveOwner, namespaceExists, recordOwner, removeLabDirs, sweepOrphanLabs } from './lab-cleanup.js';

/** A lab: two namespaces, the veth between them, the outside HTTP server, and what the test started inside. */
export interface Lab {
  readonly name: string;
  /** The host's network namespace, `ob-<name>-host`. */
  readonly hostNs: string;
  /** The outside's network namespace, `ob-<name>-out`. */
  readonly outNs: string;
  /** The second octet n of every lab address: the lab owns 10.n.0.0/16 (10.n.0.0/24 is the uplink). */
  readonly octet: number;
  /** The host's NIC toward the outside (a veth end, with `hostAddress`/24 and the default route). */
  readonly uplink: string;
  /** 10.n.0.2, the host's address on the uplink. */
  readonly hostAddress: string;
  /** 10.n.0.1, the outside's address: the host's default gateway and the HTTP server's address. */
  readonly outAddress: string;
  /** Prefix length of the uplink subnet. */
  readonly prefixLength: number;
  /** A temporary directory for the test's files (disks, XML, sockets), removed by close() and by the orphan sweep. */
  readonly dir: string;
  /** The outside HTTP server: `http://<outAddress>:<port>/` answers `body` (plus a newline) to every GET. */
  readonly http: { url: string; port: number; body: string };
  /** `10.n.<k>.<host>`: an address in the lab's k-th /24 (k ≥ 1 for the test's own networks). */
  address(k: number, host: number): string;
  /** Runs a command in the host namespace (`ip netns exec`). */
  exec(argv: string[], options?: RunOptions): Promise<RunResult>;
  /** Runs a command in the outside namespace. */
  execOut(argv: string[], options?: RunOptions): Promise<RunResult>;
  /** Spawns a command in the host namespace; close() kills it if it still runs. */
  spawn(argv: string[], options?: SpawnOptions): ChildProcess;
  /** GETs `url` from inside the host namespace (Node's fetch, 5 s timeout) and returns the body. */
  httpGetFromHost(url: string): Promise<string>;
  /** Starts a private qemu:///system libvirtd inside the host namespace (and its own mount and UTS namespaces). */
  startLibvirtd(options?: Omit<PrivateQemuLibvirtdOptions, 'netns'>): Promise<PrivateQemuLibvirtd>;
  /** Creates one more network namespace `ob-<name>-<suffix>` (loopback up), deleted with the lab (e.g. a second host). */
  addNamespace(suffix: string): Promise<string>;
  /** Starts one inside another namespace the test made (e.g. a second host); close() stops it with the lab's own. */
  startLibvirtdIn(netns: string, options?: Omit<PrivateQemuLibvirtdOptions, 'netns'>): Promise<PrivateQemuLibvirtd>;
  /** Kills everything the lab started (by pid) and deletes both namespaces. Idempotent. */
  close(): Promise<void>;
}

/** The veth ends' names. */
const UPLINK = 'uplink';
const PEER = 'peer';
const SERVER_SCRIPT = join(import.meta.dirname, 'outside-http-server.mjs');

/** What a lab needs on this machine (for skipUnlessPresent): root, iproute2, sysctl, libvirtd, dnsmasq, iptables. */
export function labRequirements(): Missing[] {
  return [
    userInfo().uid === 0 ? undefined : 'root, to create network namespaces',
    command('ip', ['-V'], 'iproute2'),
    command('sysctl', ['--version'], 'procps'),
    command('/usr/sbin/libvirtd', ['--version'], 'libvirt-daemon'),
    command('dnsmasq', ['--version'], 'dnsmasq-base'),
    command('iptables', ['-V'], 'iptables'),
  ];
}

const validName = /^[a-z0-9][a-z0-9-]{0,19}$/;

/** Creates a lab (see the module comment). `name` is short, lower-case letters, digits and dashes, unique among running labs. */
export async function createLab(name: string): Promise<Lab> {
  if (!validName.test(name)) throw new Error(`lab name '${name}' must be 1-20 lower-case letters, digits or dashes`);
  sweepOrphanLabs();
  const hostNs = `ob-${name}-host`;
  const outNs = `ob-${name}-out`;
  const owner = liveOwner(name);
  if (owner !== undefined) throw new Error(`lab '${name}' is in use by process ${owner}`);
  for (const ns of [hostNs, outNs]) {
    if (namespaceExists(ns)) throw new Error(`network namespace ${ns} already exists, but no running test owns it: remove it with \`ip netns del ${ns}\``);
  }
  const namespaces = [hostNs, outNs];
  const dirs = [mkdtempSync(join(tmpdir(), `onebox-lab-${name}-`))];
  recordOwner(name, namespaces, dirs);

  const octet = randomInt(16, 251);
  const address = (k: number, host: number) => `10.${octet}.${k}.${host}`;
  const [hostAddress, outAddress] = [address(0, 2), address(0, 1)];
  const port = randomInt(20_000, 60_000);
  const body = `onebox-lab-outside ${randomBytes(6).toString('hex')}`;
  const inNs = (ns: string, argv: string[]) => ['ip', 'netns', 'exec', ns, ...argv];
  const daemons: PrivateQemuLibvirtd[] = [];
  let closed = false;

  // Synchronous, so it also runs from the 'exit' hook: whatever still runs in the namespaces dies with them.
  const destroy = () => {
    closed = true;
    process.off('exit', destroy);
    const problems = destroyNamespaces(namespaces);
    if (problems.length > 0) return problems;
    removeLabDirs(dirs);
    forgetOwner(name);
    return [];
  };
  process.once('exit', destroy);

  const lab: Lab = {
    name,
    hostNs,
    outNs,
    octet,
    uplink: UPLINK,
    hostAddress,
    outAddress,
    prefixLength: 24,
    dir: dirs[0],
    http: { url: `http://${outAddress}:${port}/`, port, body },
    address,
    exec: (argv, options) => run(inNs(hostNs, argv), options),
    execOut: (argv, options) => run(inNs(outNs, argv), options),
    spawn: (argv, options = {}) => {
      const [file, ...args] = inNs(hostNs, argv);
      return spawn(file, args, options);
    },
    httpGetFromHost: async (url) => {
      const script = 'fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then(async (r) => process.stdout.write(await r.text()))';
      return (await run(inNs(hostNs, [process.execPath, '-e', script, url]), { timeoutMs: 10_000 })).stdout;
    },
    addNamespace: async (suffix) => {
      const ns = `ob-${name}-${suffix}`;
      if (!validName.test(suffix) || namespaceExists(ns)) throw new Error(`cannot add namespace ${ns}: bad suffix or it exists already`);
      namespaces.push(ns);
      recordOwner(name, namespaces, dirs);
      await run(['ip', 'netns', 'add', ns]);
      await run(inNs(ns, ['ip', 'link', 'set', 'lo', 'up']));
      return ns;
    },
    startLibvirtd: (options = {}) => lab.startLibvirtdIn(hostNs, options),
    startLibvirtdIn: async (netns, options = {}) => {
      if (!namespaces.includes(netns)) throw new Error(`${netns} is not a namespace of lab ${name}`);
      const daemon = await startPrivateQemuLibvirtd({ ...options, netns });
      daemons.push(daemon);
      dirs.push(daemon.dir);
      recordOwner(name, namespaces, dirs);
      return daemon;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // The daemons first, so their own stop() removes their directories; then everything else in the namespaces.
      for (const daemon of daemons.splice(0)) await daemon.stop().catch(() => undefined);
      const problems = destroy();
      if (problems.length > 0) throw new Error(`lab ${name} was not cleaned up entirely: ${problems.join('; ')}`);
    },
  };

  try {
    await wire(lab, inNs);
    await startOutsideServer(lab, inNs);
  } catch (err) {
    await lab.close().catch(() => undefined);
    throw err;
  }
  return lab;
}

/** Namespaces, veth pair, addresses, routes and forwarding. */
async function wire(lab: Lab, inNs: (ns: string, argv: string[]) => string[]): Promise<void> {
  const { hostNs, outNs } = lab;
  for (const ns of [hostNs, outNs]) {
    await run(['ip', 'netns', 'add', ns]);
    // No IPv6 duplicate address detection in the lab: link-local addresses are final at once, so
    // two listings of a quiet lab are equal (no `tentative` flag that clears a second later).
    await run(inNs(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']));
  }
  // Both ends are created directly in their namespaces: nothing appears in the root namespace, even for a moment.
  await run(['ip', 'link', 'add', UPLINK, 'netns', hostNs, 'type', 'veth', 'peer', 'name', PEER, 'netns', outNs]);
  const steps: [string, string[]][] = [
    [hostNs, ['addr', 'add', `${lab.hostAddress}/${lab.prefixLength}`, 'dev', UPLINK]],
    [outNs, ['addr', 'add', `${lab.outAddress}/${lab.prefixLength}`, 'dev', PEER]],
    [hostNs, ['link', 'set', 'lo', 'up']],
    [outNs, ['link', 'set', 'lo', 'up']],
    [hostNs, ['link', 'set', UPLINK, 'up']],
    [outNs, ['link', 'set', PEER, 'up']],
    [hostNs, ['route', 'add', 'default', 'via', lab.outAddress]],
  ];
  for (const [ns, args] of steps) await run(['ip', '-n', ns, ...args]);
  await run(inNs(hostNs, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']));
}

/** Starts the HTTP server in the outside namespace and waits until it listens. */
async function startOutsideServer(lab: Lab, inNs: (ns: string, argv: string[]) => string[]): Promise<void> {
  const [file, ...args] = inNs(lab.outNs, [process.execPath, SERVER_SCRIPT, lab.outAddress, String(lab.http.port), lab.http.body]);
  const server = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  server.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  const listening = new Promise<void>((resolve) => server.stdout?.on('data', () => output.includes('listening') && resolve()));
  const exited = once(server, 'exit').then(([code]) => {
    throw new Error(`the lab's HTTP server exited with code ${code}: ${output.trim()}`);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the lab's HTTP server did not listen within 10 s: ${output.trim()}`)), 10_000)));
  try {
    await Promise.race([listening, exited, timeout]);
  } finally {
    clearTimeout(timer);
    exited.catch(() => undefined);
  }
  // The server lives in the out namespace: close() kills it with everything else there.
  server.unref();
  server.stdout?.destroy();
  server.stderr?.destroy();
}

/**
 * The root namespace's interfaces as `index: name` lines: a test compares them before and after to
 * prove it added none. Veths whose other end is in a namespace not in `own` are left out: they
 * belong to other tests running at the same time (each lab's namespaces are its own), while one
 * reaching into `own` is listed and so fails the comparison.
 */
export function rootNamespaceLinks(own: string[]): string[] {
  const out = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .filter(Boolean)
    .filter((line) => {
      // `link-netnsid N` without a name: the other end is in an unnamed namespace, never one of a lab's.
      if (/ link-netnsid \d+/.test(line)) return false;
      const peerNs = / link-netns (\S+)/.exec(line)?.[1];
      return peerNs === undefined || own.includes(peerNs);
    })
    .map((line) => /^(\d+): ([^:@]+)/.exec(line)?.slice(1, 3).join(': ') ?? line);
}
