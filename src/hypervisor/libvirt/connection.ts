/**
 * LibvirtConnection: a typed client of libvirtd's remote protocol. Opens the transport,
 * authenticates (AUTH_LIST, then AUTH_POLKIT when required), opens a URI, keeps the link
 * alive, and reconnects with backoff after a daemon restart, re-running registered hooks
 * (event callbacks) each time. While down, calls fail fast with HypervisorUnavailableError.
 */
import { createConnection } from 'node:net';
import type { Duplex } from 'node:stream';
import { HypervisorError, HypervisorUnavailableError } from '../errors.js';
import type { KeepaliveOptions } from './keepalive.js';
import type { Packet } from './packet.js';
import { type QemuProcedures, type RemoteProcedures, qemuProgram, remoteProgram, xdrSchema } from './protocol.generated.js';
import { type ConnectTransport, RpcSession } from './rpc-session.js';
import { LibvirtStream } from './stream.js';
import { SchemaCodecs } from './xdr-schema.js';
import { XdrReader, XdrWriter } from './xdr.js';

/** Where the system daemon listens. */
export const DEFAULT_SOCKET_PATH = '/run/libvirt/libvirt-sock';
/** The URI onebox opens by default. */
export const DEFAULT_URI = 'qemu:///system';

/** How to reach and open libvirt. */
export interface LibvirtConnectionOptions {
  /** libvirt URI to open, `qemu:///system` by default (`test:///default` in tests). */
  uri?: string;
  /** Unix socket of the daemon; ignored when `transport` is given. */
  socketPath?: string;
  /** Opens the byte stream; injectable so tests can talk to a canned-reply server. */
  transport?: ConnectTransport;
  /** Keepalive tuning, or false to disable (libvirt's default: 5 s × 5). */
  keepalive?: KeepaliveOptions | false;
  /** Reconnect backoff, or false to stay down after the link drops. */
  reconnect?: { initialDelayMs: number; maxDelayMs: number } | false;
  /** Receives one line per connection state change. */
  log?: (line: string) => void;
}

/** Call arguments of procedure K: none when its args are void, else one value. */
type ArgsOf<P, K extends keyof P> = P[K] extends { args: infer A } ? ([A] extends [void] ? [] : [A]) : never;
type RetOf<P, K extends keyof P> = P[K] extends { ret: infer R } ? R : never;
/** Remote procedures that the daemon sends as async messages (events). */
export type RemoteMessageProc = { [K in keyof RemoteProcedures]: [RemoteProcedures[K]['msg']] extends [void] ? never : K }[keyof RemoteProcedures];

/** Connection state as seen by callers. */
export type ConnectionState = 'open' | 'down' | 'closed';

const REMOTE_AUTH_NONE = 0;
const REMOTE_AUTH_POLKIT = 2;
const VIR_DRV_FEATURE_PROGRAM_KEEPALIVE = 10;

const codecs = new SchemaCodecs(xdrSchema);
const remoteNames = new Map<number, string>(Object.entries(remoteProgram.procedures).map(([k, v]) => [v, k]));

/** Opens a unix socket to libvirtd. */
export function unixSocketTransport(path: string): ConnectTransport {
  return () =>
    new Promise<Duplex>((resolve, reject) => {
      const sock = createConnection(path);
      sock.once('connect', () => {
        sock.off('error', reject);
        resolve(sock);
      });
      sock.once('error', reject);
    });
}

/** Finds the domain a call is about, so a VIR_ERR_NO_DOMAIN can name it. */
function domainNameOf(args: unknown): string | undefined {
  if (typeof args !== 'object' || args === null) return undefined;
  const rec = args as { dom?: { name?: unknown }; name?: unknown };
  if (typeof rec.dom?.name === 'string') return rec.dom.name;
  return typeof rec.name === 'string' ? rec.name : undefined;
}

/** A typed, self-healing client of one libvirt URI. */
export class LibvirtConnection {
  private session: RpcSession | undefined;
  private stateValue: ConnectionState = 'down';
  private readonly transport: ConnectTransport;
  private readonly hooks = new Set<() => Promise<void>>();
  private readonly downListeners = new Set<() => void>();
  private readonly messageListeners = new Map<number, Set<(body: unknown) => void>>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  readonly uri: string;
  private readonly socketLabel: string;

  private constructor(private readonly opts: LibvirtConnectionOptions) {
    this.uri = opts.uri ?? DEFAULT_URI;
    this.socketLabel = opts.transport ? 'the injected transport' : (opts.socketPath ?? DEFAULT_SOCKET_PATH);
    this.transport = opts.transport ?? unixSocketTransport(opts.socketPath ?? DEFAULT_SOCKET_PATH);
  }

  /** Connects, authenticates and opens the URI; throws HypervisorUnavailableError when libvirtd cannot be reached. */
  static async open(opts: LibvirtConnectionOptions = {}): Promise<LibvirtConnection> {
    const conn = new LibvirtConnection(opts);
    await conn.connect();
    return conn;
  }

  /** 'open', 'down' (reconnecting) or 'closed' (by close()). */
  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Calls a remote procedure and returns its decoded reply. */
  call<K extends keyof RemoteProcedures>(proc: K, ...args: ArgsOf<RemoteProcedures, K>): Promise<RetOf<RemoteProcedures, K>> {
    return this.invoke(remoteProgram, proc, args[0]) as Promise<RetOf<RemoteProcedures, K>>;
  }

  /** Calls a QEMU-specific procedure (monitor commands, agent commands). */
  qemuCall<K extends keyof QemuProcedures>(proc: K, ...args: ArgsOf<QemuProcedures, K>): Promise<RetOf<QemuProcedures, K>> {
    return this.invoke(qemuProgram, proc, args[0]) as Promise<RetOf<QemuProcedures, K>>;
  }

  /**
   * Calls a procedure that opens a stream (e.g. DOMAIN_OPEN_CONSOLE) and returns the stream
   * once the daemon accepted the call; the call's error (typed) when it did not.
   */
  async openStream<K extends keyof RemoteProcedures>(proc: K, ...args: ArgsOf<RemoteProcedures, K>): Promise<LibvirtStream> {
    const session = this.stateValue === 'open' ? this.session : undefined;
    if (!session) throw this.unavailable();
    const w = new XdrWriter();
    codecs.named(`remote_${proc.toLowerCase()}_args`).enc(w, args[0]);
    const addr = this.address(remoteProgram, proc);
    const domainName = domainNameOf(args[0]);
    const { sink, reply } = session.openStream(addr, w.finish(), (serial) => new LibvirtStream({
      send: (status, payload, done) => session.sendStream(addr, serial, status, payload, done),
      release: () => session.releaseStream(serial),
      decodeError: (payload) => session.decodeError(payload, domainName),
    }), domainName);
    try {
      await reply;
    } catch (err) {
      sink.abandon();
      throw err;
    }
    return sink;
  }

  /** Listens to one kind of async message (event); returns the unsubscribe function. */
  onMessage<K extends RemoteMessageProc>(proc: K, listener: (body: RemoteProcedures[K]['msg']) => void): () => void {
    const num = remoteProgram.procedures[proc];
    const set = this.messageListeners.get(num) ?? new Set();
    this.messageListeners.set(num, set);
    const fn = listener as (body: unknown) => void;
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Runs `hook` after every successful reconnect (e.g. to re-register event callbacks). */
  onReconnect(hook: () => Promise<void>): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /** Calls `listener` each time the connection is lost (before reconnecting). */
  onDown(listener: () => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /** Closes the URI and the socket; later calls fail with HypervisorUnavailableError. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    const wasOpen = this.stateValue === 'open';
    this.stateValue = 'closed';
    clearTimeout(this.reconnectTimer);
    const session = this.session;
    if (!session) return;
    if (wasOpen) await session.call(this.address(remoteProgram, 'CONNECT_CLOSE'), Buffer.alloc(0)).catch(() => undefined);
    session.close();
  }

  private address(program: { program: number; version: number; procedures: Record<string, number> }, proc: string) {
    return { program: program.program, version: program.version, procedure: program.procedures[proc] };
  }

  private async invoke(program: typeof remoteProgram | typeof qemuProgram, proc: string, args: unknown): Promise<unknown> {
    const session = this.stateValue === 'open' ? this.session : undefined;
    if (!session) throw this.unavailable();
    return this.invokeOn(session, program, proc, args);
  }

  private async invokeOn(session: RpcSession, program: typeof remoteProgram | typeof qemuProgram, proc: string, args: unknown): Promise<unknown> {
    const base = `${program.prefix}_${proc.toLowerCase()}`;
    const w = new XdrWriter();
    if (codecs.has(`${base}_args`)) codecs.named(`${base}_args`).enc(w, args);
    const reply = await session.call(this.address(program, proc), w.finish(), domainNameOf(args));
    return codecs.has(`${base}_ret`) ? codecs.named(`${base}_ret`).dec(new XdrReader(reply)) : undefined;
  }

  private unavailable(): HypervisorUnavailableError {
    const why = this.stateValue === 'closed' ? 'was closed' : 'is down and reconnecting';
    return new HypervisorUnavailableError(`the libvirt connection to ${this.uri} via ${this.socketLabel} ${why}`);
  }

  private async connect(): Promise<void> {
    let stream: Duplex;
    try {
      stream = await this.transport();
    } catch (err) {
      throw new HypervisorUnavailableError(`cannot reach libvirtd at ${this.socketLabel}: ${(err as Error).message}`);
    }
    const session = new RpcSession(stream, codecs, {
      onMessage: (p) => this.dispatchMessage(p),
      onClose: (reason) => this.onSessionClosed(session, reason),
    }, this.opts.keepalive === false ? undefined : (this.opts.keepalive ?? { intervalMs: 5000, count: 5 }));
    try {
      await this.handshake(session);
    } catch (err) {
      session.close();
      if (err instanceof HypervisorError) throw err;
      throw new HypervisorUnavailableError(`opening ${this.uri} failed: ${(err as Error).message}`);
    }
    if (this.stateValue === 'closed') {
      session.close();
      return;
    }
    this.session = session;
    this.stateValue = 'open';
  }

  private async handshake(session: RpcSession): Promise<void> {
    const call = (proc: keyof RemoteProcedures, args?: unknown) => this.invokeOn(session, remoteProgram, proc, args);
    const auth = (await call('AUTH_LIST')) as RemoteProcedures['AUTH_LIST']['ret'];
    if (auth.types.length > 0 && !auth.types.includes(REMOTE_AUTH_NONE)) {
      if (!auth.types.includes(REMOTE_AUTH_POLKIT)) {
        throw new HypervisorUnavailableError(`libvirtd at ${this.socketLabel} requires authentication types [${auth.types.join(', ')}], none of which onebox supports (only none and polkit)`);
      }
      await call('AUTH_POLKIT');
    }
    await call('CONNECT_SUPPORTS_FEATURE', { feature: VIR_DRV_FEATURE_PROGRAM_KEEPALIVE, flags: 0 });
    await call('CONNECT_OPEN', { name: this.uri, flags: 0 });
  }

  private dispatchMessage(p: Packet): void {
    if (p.program !== remoteProgram.program) return;
    const listeners = this.messageListeners.get(p.procedure);
    const name = remoteNames.get(p.procedure);
    if (!listeners?.size || !name) return;
    const body = codecs.named(`remote_${name.toLowerCase()}_msg`).dec(new XdrReader(p.payload));
    for (const l of listeners) l(body);
  }

  private onSessionClosed(session: RpcSession, reason: Error): void {
    if (this.session !== session || this.stateValue === 'closed') return;
    this.session = undefined;
    this.stateValue = 'down';
    this.opts.log?.(`libvirt connection to ${this.uri} lost: ${reason.message}`);
    for (const listener of this.downListeners) listener();
    this.attempt = 0;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const policy = this.opts.reconnect ?? { initialDelayMs: 100, maxDelayMs: 5000 };
    if (policy === false || this.stateValue === 'closed') return;
    const delay = Math.min(policy.initialDelayMs * 2 ** this.attempt, policy.maxDelayMs);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => void this.tryReconnect(), delay);
    this.reconnectTimer.unref();
  }

  private async tryReconnect(): Promise<void> {
    if (this.stateValue !== 'down') return;
    try {
      await this.connect();
    } catch (err) {
      this.opts.log?.(`reconnecting to ${this.uri} failed: ${(err as Error).message}`);
      this.scheduleReconnect();
      return;
    }
    if (this.state !== 'open') return; // closed while connecting
    this.opts.log?.(`libvirt connection to ${this.uri} restored after ${this.attempt} attempt(s)`);
    for (const hook of this.hooks) await hook().catch((err: Error) => this.opts.log?.(`a reconnect hook failed: ${err.message}`));
  }
}
