/**
 * LibvirtConnection: a typed client of libvirtd's remote protocol. Opens the transport,
 * authenticates (AUTH_LIST, then AUTH_POLKIT when required), opens a URI, keeps the link
 * alive, and reconnects with backoff after a daemon restart, re-running registered hooks
 * (event callbacks) each time. While down, calls fail fast with HypervisorUnavailableError.
 * Every call has a deadline (deadlines.ts) and a bounded number are in flight (rpc-session.ts).
 * A packet that cannot be decoded, or an event listener that throws, is logged and dropped.
 */
import { createConnection } from 'node:net';
import type { Duplex } from 'node:stream';
import { HypervisorError, HypervisorUnavailableError } from '../errors.js';
import type { KeepaliveOptions } from './keepalive.js';
import type { Packet } from './packet.js';
import { type QemuProcedures, type RemoteProcedures, qemuProgram, remoteProgram, xdrSchema } from './protocol.generated.js';
import { type CallDeadlines, DEFAULT_DEADLINES, deadlineOf } from './deadlines.js';
import { type CallOptions, type ConnectTransport, RpcSession } from './rpc-session.js';
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
  /** Receives one line per connection state change, and per dropped packet. */
  log?: (line: string) => void;
  /** Call deadlines; DEFAULT_DEADLINES (30 s, 120 s for slow procedures, 5 s to close) when not given. */
  deadlines?: Partial<CallDeadlines>;
  /** Calls in flight at most; the rest wait in FIFO order (DEFAULT_MAX_IN_FLIGHT, below libvirtd's max_client_requests). */
  maxInFlight?: number;
  /**
   * Lets a stream whose reader falls behind pause this connection's socket, so the daemon
   * stops sending (real backpressure). Only for a connection dedicated to one stream: while
   * paused, no reply arrives for any other call on it.
   */
  streamBackpressure?: boolean;
}

/** Per-call options. */
export interface LibvirtCallOptions {
  /** Deadline in milliseconds, instead of the connection's default for this procedure. */
  timeoutMs?: number;
}

/** Call arguments of procedure K (none when its args are void, else one value), then optional call options. */
type ArgsOf<P, K extends keyof P> = P[K] extends { args: infer A } ? ([A] extends [void] ? [opts?: LibvirtCallOptions] : [args: A, opts?: LibvirtCallOptions]) : never;
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

type Program = typeof remoteProgram | typeof qemuProgram;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
  private readonly deadlines: CallDeadlines;

  private constructor(private readonly opts: LibvirtConnectionOptions) {
    this.uri = opts.uri ?? DEFAULT_URI;
    this.deadlines = { ...DEFAULT_DEADLINES, ...opts.deadlines };
    this.socketLabel = opts.transport ? 'the injected transport' : (opts.socketPath ?? DEFAULT_SOCKET_PATH);
    this.transport = opts.transport ?? unixSocketTransport(opts.socketPath ?? DEFAULT_SOCKET_PATH);
  }

  /** Connects, authenticates and opens the URI; throws HypervisorUnavailableError when libvirtd cannot be reached. */
  static async open(opts: LibvirtConnectionOptions = {}): Promise<LibvirtConnection> {
    const conn = new LibvirtConnection(opts);
    await conn.connect();
    return conn;
  }

  /** Opens another connection to the same daemon and URI with some options changed (e.g. one dedicated to a console). */
  openSibling(overrides: Partial<LibvirtConnectionOptions>): Promise<LibvirtConnection> {
    return LibvirtConnection.open({ ...this.opts, ...overrides });
  }

  /** 'open', 'down' (reconnecting) or 'closed' (by close()). */
  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Calls a remote procedure and returns its decoded reply. */
  call<K extends keyof RemoteProcedures>(proc: K, ...args: ArgsOf<RemoteProcedures, K>): Promise<RetOf<RemoteProcedures, K>> {
    return this.invoke(remoteProgram, proc, args) as Promise<RetOf<RemoteProcedures, K>>;
  }

  /** Calls a QEMU-specific procedure (monitor commands, agent commands). */
  qemuCall<K extends keyof QemuProcedures>(proc: K, ...args: ArgsOf<QemuProcedures, K>): Promise<RetOf<QemuProcedures, K>> {
    return this.invoke(qemuProgram, proc, args) as Promise<RetOf<QemuProcedures, K>>;
  }

  /**
   * Calls a procedure that opens a stream (e.g. DOMAIN_OPEN_CONSOLE) and returns the stream
   * once the daemon accepted the call; the call's error (typed) when it did not.
   */
  async openStream<K extends keyof RemoteProcedures>(proc: K, ...args: ArgsOf<RemoteProcedures, K>): Promise<LibvirtStream> {
    const session = this.stateValue === 'open' ? this.session : undefined;
    if (!session) throw this.unavailable();
    const { args: callArgs, opts } = this.splitArgs(remoteProgram, proc, args);
    const w = new XdrWriter();
    codecs.named(`remote_${proc.toLowerCase()}_args`).enc(w, callArgs);
    const addr = this.address(remoteProgram, proc);
    const callOpts = this.callOptions(proc, callArgs, opts);
    const flow = this.opts.streamBackpressure ? { pause: () => session.pauseReading(), resume: () => session.resumeReading() } : {};
    const { sink, reply } = session.openStream(addr, w.finish(), (serial) => new LibvirtStream({
      send: (status, payload, done) => session.sendStream(addr, serial, status, payload, done),
      release: () => session.releaseStream(serial),
      decodeError: (payload) => session.decodeError(payload, callOpts.domainName),
      ...flow,
    }), callOpts);
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

  /** Closes the URI (waiting at most the close deadline for libvirtd) and the socket; later calls fail with HypervisorUnavailableError. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    const wasOpen = this.stateValue === 'open';
    this.stateValue = 'closed';
    clearTimeout(this.reconnectTimer);
    const session = this.session;
    if (!session) return;
    if (wasOpen) {
      session.resumeReading(); // a stream may have paused it; the answer must get through
      const opts = { timeoutMs: this.deadlines.closeMs, label: 'CONNECT_CLOSE' };
      await session.call(this.address(remoteProgram, 'CONNECT_CLOSE'), Buffer.alloc(0), opts).catch(() => undefined);
    }
    session.close();
  }

  /** The deadline for closing: CONNECT_CLOSE and event deregistration wait at most this long. */
  get closeTimeoutMs(): number {
    return this.deadlines.closeMs;
  }

  private address(program: { program: number; version: number; procedures: Record<string, number> }, proc: string) {
    return { program: program.program, version: program.version, procedure: program.procedures[proc] };
  }

  private async invoke(program: Program, proc: string, rest: unknown[]): Promise<unknown> {
    const session = this.stateValue === 'open' ? this.session : undefined;
    if (!session) throw this.unavailable();
    const { args, opts } = this.splitArgs(program, proc, rest);
    return this.invokeOn(session, program, proc, args, opts);
  }

  /** Separates a call's arguments from its options: procedures without arguments take only the options. */
  private splitArgs(program: Program, proc: string, rest: unknown[]): { args: unknown; opts: LibvirtCallOptions | undefined } {
    const takesArgs = codecs.has(`${program.prefix}_${proc.toLowerCase()}_args`);
    return { args: takesArgs ? rest[0] : undefined, opts: (takesArgs ? rest[1] : rest[0]) as LibvirtCallOptions | undefined };
  }

  private callOptions(proc: string, args: unknown, opts: LibvirtCallOptions | undefined): CallOptions {
    const domainName = domainNameOf(args);
    const label = domainName === undefined ? proc : `${proc} of domain '${domainName}'`;
    return { timeoutMs: deadlineOf(proc, this.deadlines, opts?.timeoutMs), label, domainName };
  }

  private async invokeOn(session: RpcSession, program: Program, proc: string, args: unknown, opts?: LibvirtCallOptions): Promise<unknown> {
    const base = `${program.prefix}_${proc.toLowerCase()}`;
    const w = new XdrWriter();
    if (codecs.has(`${base}_args`)) codecs.named(`${base}_args`).enc(w, args);
    const reply = await session.call(this.address(program, proc), w.finish(), this.callOptions(proc, args, opts));
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
      onPacketError: (err, p) => this.opts.log?.(`dropped a libvirt ${remoteNames.get(p.procedure) ?? `procedure ${p.procedure}`} packet that could not be handled: ${errorText(err)}`),
    }, { keepalive: this.keepaliveOptions(), maxInFlight: this.opts.maxInFlight });
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

  private keepaliveOptions(): KeepaliveOptions | undefined {
    return this.opts.keepalive === false ? undefined : (this.opts.keepalive ?? { intervalMs: 5000, count: 5 });
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
    // Asking about keepalive makes libvirtd ping us; a connection without keepalive (one whose
    // socket a console may pause for long) must not ask, or the daemon would drop it.
    if (this.keepaliveOptions()) await call('CONNECT_SUPPORTS_FEATURE', { feature: VIR_DRV_FEATURE_PROGRAM_KEEPALIVE, flags: 0 });
    await call('CONNECT_OPEN', { name: this.uri, flags: 0 });
  }

  private dispatchMessage(p: Packet): void {
    if (p.program !== remoteProgram.program) return;
    const listeners = this.messageListeners.get(p.procedure);
    const name = remoteNames.get(p.procedure);
    if (!listeners?.size || !name) return;
    // A decoding error throws to the session, which reports it through onPacketError.
    const body = codecs.named(`remote_${name.toLowerCase()}_msg`).dec(new XdrReader(p.payload));
    for (const l of listeners) {
      try {
        l(body);
      } catch (err) {
        this.opts.log?.(`a listener of libvirt ${name} events threw: ${errorText(err)}`);
      }
    }
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
