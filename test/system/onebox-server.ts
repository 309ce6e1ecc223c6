/**
 * Runs the real `bundle/onebox` executable for system tests and benchmarks: a temp data dir,
 * a free port on loopback, an API client with a token, and cleanup of every domain it made.
 * It speaks HTTPS (trusting only the server's own CA from `<data-dir>/tls/ca.pem`) unless the
 * server was started with `--insecure-http`. Every API response that passes through `fetch` (so
 * every `call`, `json` and operation poll) is checked against the `openapi.json` that same server
 * serves (src/api/response-check.ts): an undocumented status, a body off its schema or a problem
 * code with the wrong status fails the test that got it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { WebSocket, type ClientOptions } from 'ws';
import { join, resolve } from 'node:path';
import type { OpenApiDocument } from '../../src/api/openapi.js';
import { ResponseChecker } from '../../src/api/response-check.js';
import { openNetnsPort, type NetnsPort } from '../lab/netns-port.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BINARY = process.env.ONEBOX_BIN ?? join(ROOT, 'bundle/onebox');
export const ADMIN = { username: 'admin', password: 'SysT3stPass' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** The libvirtd a server talks to: its socket (for onebox) and its URI (for virsh checks). */
export interface LibvirtTarget {
  socketPath: string;
  uri: string;
}

/** The machine's own libvirtd. */
export const SYSTEM_LIBVIRT: LibvirtTarget = { socketPath: '/run/libvirt/libvirt-sock', uri: 'qemu:///system' };

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** One running onebox server plus an authenticated client. */
export class OneboxServer {
  private child?: ChildProcess;
  private dispatcher?: Agent;
  /** Built from the server's own `openapi.json` on the first API response. */
  private checker?: ResponseChecker;
  output = '';
  token = '';
  /** The server's CA certificate (PEM) once it exists; undefined over plain HTTP. */
  ca?: string;
  /** Set by startInNamespace(): the network namespace it runs in and the forwarder the client goes through. */
  private inNamespace?: { ns: string; forwarder: NetnsPort };

  private constructor(readonly dataDir: string, readonly port: number, private readonly extraArgs: string[], readonly libvirt: LibvirtTarget) {}

  /** Whether the server speaks HTTPS (all but `--insecure-http`). */
  get secure(): boolean {
    return !this.extraArgs.includes('--insecure-http');
  }

  /** `https://127.0.0.1:PORT` (or http). */
  get origin(): string {
    return `${this.secure ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** fetch() that trusts the server's CA (and only it); API responses are checked against the server's OpenAPI document. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await this.send(url, init);
    if (new URL(url).pathname.startsWith('/api/')) await (await this.responseChecker()).check(init.method ?? 'GET', url, res);
    return res;
  }

  /** The checker of this server's document (fetched once, unchecked: it is what the others are checked against). */
  private async responseChecker(): Promise<ResponseChecker> {
    if (this.checker) return this.checker;
    const res = await this.send(`${this.base}/openapi.json`);
    if (!res.ok) throw new Error(`GET /api/v1/openapi.json answered ${res.status}: ${await res.text()}`);
    return (this.checker = new ResponseChecker((await res.json()) as OpenApiDocument));
  }

  /** The request itself, over the server's CA. */
  private send(url: string, init: RequestInit = {}): Promise<Response> {
    if ((this.secure || this.socketPath) && !this.dispatcher) {
      // The operator's own certificate (--tls-cert), or onebox's CA (this throws until the server made it).
      const own = this.extraArgs.indexOf('--tls-cert');
      if (this.secure) this.ca = readFileSync(own >= 0 ? this.extraArgs[own + 1] : join(this.dataDir, 'tls', 'ca.pem'), 'utf8');
      this.dispatcher = new Agent({ connect: { ca: this.ca, socketPath: this.socketPath } });
    }
    return undiciFetch(url, { ...(init as UndiciRequestInit), dispatcher: this.dispatcher }) as unknown as Promise<Response>;
  }

  /** The websocket URL of a relative path such as a console ticket's `api/v1/console/ws?token=…`. */
  wsUrl(path: string): string {
    return `${this.secure ? 'wss' : 'ws'}://127.0.0.1:${this.port}/${path}`;
  }

  /** Options for a `ws` client: the bearer token and the server's CA. */
  wsOptions(extra: ClientOptions = {}): ClientOptions {
    const options: ClientOptions = { ...extra, ca: this.ca, headers: { authorization: `Bearer ${this.token}`, ...extra.headers } };
    const path = this.socketPath;
    // ws drops `socketPath` for wss: open the connection on the forwarder's socket ourselves.
    if (path) options.createConnection = (o) => (this.secure ? tlsConnect({ ...(o as object), path }) : netConnect({ path }));
    return options;
  }

  /** The unix socket that reaches the server when it runs in a namespace (startInNamespace); undefined otherwise. */
  get socketPath(): string | undefined {
    return this.inNamespace?.forwarder.socketPath;
  }

  /**
   * Like start(), but `serve` runs inside the network namespace `ns` (`ip netns exec`), listening on
   * its loopback (plus whatever `--listen` in `extraArgs` says); the client reaches it through a
   * forwarder on a unix socket in `dir` (test/lab/netns-port.ts), so the root namespace needs no NIC.
   */
  static async startInNamespace(ns: string, dir: string, extraArgs: string[] = [], libvirt = SYSTEM_LIBVIRT): Promise<OneboxServer> {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`node build.mjs\` first`);
    const server = new OneboxServer(await mkdtemp(join(tmpdir(), 'onebox-sys-')), await freePort(), [...extraArgs, '--libvirt-socket', libvirt.socketPath], libvirt);
    server.inNamespace = { ns, forwarder: await openNetnsPort(ns, server.port, dir) };
    await server.spawn();
    return server;
  }

  /** Starts the executable on a new temp data dir and the given libvirtd; `extraArgs` go to `serve`. */
  static async start(extraArgs: string[] = [], libvirt = SYSTEM_LIBVIRT): Promise<OneboxServer> {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`node build.mjs\` first`);
    const server = new OneboxServer(await mkdtemp(join(tmpdir(), 'onebox-sys-')), await freePort(), [...extraArgs, '--libvirt-socket', libvirt.socketPath], libvirt);
    await server.spawn();
    return server;
  }

  /** Process id of the running server. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get base(): string {
    return `${this.origin}/api/v1`;
  }

  /** Starts the process (again) on the same data dir and waits for the local host to be online. */
  async spawn(): Promise<void> {
    const argv = [BINARY, 'serve', '--data-dir', this.dataDir, '--port', String(this.port), '--listen', '127.0.0.1', ...this.extraArgs];
    const [file, ...args] = this.inNamespace ? ['ip', 'netns', 'exec', this.inNamespace.ns, ...argv] : argv;
    this.child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    await waitFor('health 200', 20_000, async () => (await this.fetch(`${this.base}/health`).catch(() => undefined))?.ok === true);
  }

  /** SIGTERM and wait for exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
  }

  /** The one-time setup code the server wrote (until the admin exists). */
  setupCode(): string {
    return readFileSync(join(this.dataDir, 'setup-code'), 'utf8').trim();
  }

  /**
   * Creates the admin, logs in, makes an API token used by call(). No first network unless asked
   * for: on the system libvirtd a NAT network would put a bridge into the root namespace.
   */
  async bootstrap(network: { create: boolean; subnet?: string } = { create: false }): Promise<void> {
    const setup = await this.call('POST', '/setup', { json: { ...ADMIN, setupCode: this.setupCode(), network }, token: null });
    if (setup.status !== 201) throw new Error(`setup answered ${setup.status}: ${await setup.text()}`);
    const login = await this.call('POST', '/sessions', { json: ADMIN, token: null });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const { csrfToken } = (await login.json()) as Json;
    const res = await this.call('POST', '/tokens', { json: { name: 'system-test' }, token: null, headers: { cookie, 'x-csrf-token': csrfToken } });
    this.token = ((await res.json()) as Json).token;
  }

  /** An API request; JSON in and out. */
  async call(method: string, path: string, opts: { json?: unknown; body?: BodyInit; headers?: Record<string, string>; token?: string | null } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? this.token : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    }
    return this.fetch(`${this.base}${path}`, { method, headers, body, duplex: 'half' } as RequestInit);
  }

  async json(method: string, path: string, opts: Parameters<OneboxServer['call']>[2] = {}): Promise<Json> {
    return (await (await this.call(method, path, opts)).json()) as Json;
  }

  /** Polls an operation (by Location) until it finishes; returns its final row. */
  async waitOperation(res: Response, timeoutMs = 120_000): Promise<Json> {
    const location = res.headers.get('location');
    if (res.status !== 202 || !location) throw new Error(`expected 202 with Location, got ${res.status}: ${await res.text()}`);
    let op: Json = {};
    await waitFor(`operation ${location}`, timeoutMs, async () => {
      op = (await (await this.fetch(`${this.origin}${location}`, { headers: { authorization: `Bearer ${this.token}` } })).json()) as Json;
      return op.state !== 'running';
    });
    return op;
  }

  /** Waits until the instance reaches `state`. */
  async waitState(id: string, state: string, timeoutMs = 60_000): Promise<Json> {
    let inst: Json = {};
    await waitFor(`instance ${id} ${state}`, timeoutMs, async () => {
      inst = await this.json('GET', `/instances/${id}`);
      return inst.state === state;
    });
    return inst;
  }

  /** Waits until the serial console log contains `text` `count` times. */
  async waitConsole(id: string, text: string, count = 1, timeoutMs = 150_000): Promise<string> {
    let log = '';
    await waitFor(`"${text}"×${count} on the console of ${id}`, timeoutMs, async () => {
      log = await (await this.call('GET', `/instances/${id}/console-log`)).text();
      return log.split(text).length - 1 >= count;
    }, 250);
    return log;
  }

  /** Types `command` on the instance's serial console (again after every 1.5 s without an answer) until the output matches `expect`; returns the output. */
  async serialRun(id: string, command: string, expect: RegExp, timeoutMs = 60_000): Promise<string> {
    const ticket = await this.json('POST', `/instances/${id}/console-tokens`, { json: { kind: 'serial' } });
    const ws = new WebSocket(this.wsUrl(ticket.path), this.wsOptions());
    let output = '';
    ws.on('message', (data: Buffer) => (output += data.toString('utf8')));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const deadline = Date.now() + timeoutMs;
    while (!expect.test(output) && Date.now() < deadline) {
      ws.send(Buffer.from(`${command}\n`));
      // A running shell answers in well under a second: return as soon as it does, not 1.5 s later.
      const resendAt = Math.min(Date.now() + 1500, deadline);
      while (!expect.test(output) && Date.now() < resendAt) await sleep(50);
    }
    ws.close();
    return output;
  }

  /** Stops the server, removes every domain it created (disks in its data dir) and the data dir; throws if one stays. */
  async cleanup(): Promise<void> {
    await this.stop();
    await this.dispatcher?.close();
    await this.inNamespace?.forwarder.close();
    const { uri } = this.libvirt;
    const mine = () => listDomains(uri).filter((d) => d.startsWith('ob-ins_') && virshXml(d, uri).includes(this.dataDir));
    for (const name of mine()) {
      spawnSync('virsh', ['-c', uri, 'destroy', name]);
      spawnSync('virsh', ['-c', uri, 'undefine', name, '--nvram']);
    }
    const left = mine();
    // The dnsmasq files of its bridged networks live outside the data dir (see LocalHostAgent).
    await rm(join('/run/onebox/dnsmasq', createHash('sha256').update(this.dataDir).digest('hex').slice(0, 16)), { recursive: true, force: true });
    await rm(this.dataDir, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`domains of ${this.dataDir} still defined on ${uri}: ${left.join(', ')}`);
  }
}

/** Live XML of a domain (a test-side check; product code never uses virsh). */
export const virshXml = (name: string, uri = SYSTEM_LIBVIRT.uri) => spawnSync('virsh', ['-c', uri, 'dumpxml', name], { encoding: 'utf8' }).stdout;

/** Names of all domains of a libvirtd (test-side check; product code never uses virsh). */
export function listDomains(uri = SYSTEM_LIBVIRT.uri): string[] {
  return spawnSync('virsh', ['-c', uri, 'list', '--all', '--name'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or the timeout passes. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
