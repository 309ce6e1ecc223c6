/**
 * One live byte stream to libvirtd: writes CALL packets with fresh serials, matches REPLY
 * packets to pending calls (many may be in flight: pipelining), answers keepalive PINGs,
 * pings an idle daemon, hands async MESSAGE packets to a callback and routes STREAM packets
 * (and late REPLYs on a stream's serial) to the sink registered for that serial.
 * Every call has a deadline, and at most `maxInFlight` calls are outstanding (the rest wait
 * in FIFO order): libvirtd stops reading a client that has `max_client_requests` (5)
 * requests in progress, which would also starve its keepalive. A call that timed out keeps
 * its slot until the late reply comes (libvirtd is still working on it); that reply is dropped.
 * Knows nothing about procedures beyond numbers and raw payloads.
 */
import type { Duplex } from 'node:stream';
import { HypervisorError, HypervisorTimeoutError, HypervisorUnavailableError } from '../errors.js';
import { Keepalive, type KeepaliveOptions } from './keepalive.js';
import { toHypervisorError } from './libvirt-errors.js';
import { MessageStatus, MessageType, type Packet, type PacketHeader, PacketSplitter, encodePacket } from './packet.js';
import { KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, KeepaliveProcedure, type RemoteError } from './protocol.generated.js';
import type { SchemaCodecs } from './xdr-schema.js';
import { XdrReader } from './xdr.js';

/** Opens the byte stream to the daemon; resolves once connected. */
export type ConnectTransport = () => Promise<Duplex>;

/** Addresses one procedure of one program. */
export interface ProcedureAddress {
  program: number;
  version: number;
  procedure: number;
}

/** Below libvirtd's default `max_client_requests` (5), leaving it room to read keepalives and stream packets. */
export const DEFAULT_MAX_IN_FLIGHT = 4;

/** How one call is made. */
export interface CallOptions {
  /** Milliseconds from the call to its reply, time waiting for a request slot included. */
  timeoutMs: number;
  /** Names the call in a timeout error, e.g. "DOMAIN_CREATE of domain 'vm1'". */
  label: string;
  /** The domain the call is about, so a VIR_ERR_NO_DOMAIN can name it. */
  domainName?: string;
}

/** Session tuning. */
export interface SessionOptions {
  /** Ping an idle daemon and declare it dead after missed answers; off when undefined. */
  keepalive?: KeepaliveOptions;
  /** Calls sent and not yet answered, at most; DEFAULT_MAX_IN_FLIGHT by default. */
  maxInFlight?: number;
}

interface Call {
  readonly frame: Buffer;
  readonly opts: CallOptions;
  readonly resolve: (payload: Buffer) => void;
  readonly reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

/** Callbacks a session reports to. */
export interface SessionHandlers {
  /** An async MESSAGE packet (events) that is not keepalive. */
  onMessage(p: Packet): void;
  /** The stream ended; `reason` says why. Called once. */
  onClose(reason: Error): void;
  /** Handling one incoming packet threw (a decoding error, a throwing listener); the session carries on. */
  onPacketError(err: unknown, p: Packet): void;
}

/** Receives the packets of one libvirt stream (see stream.ts). */
export interface StreamSink {
  /** A STREAM packet on the stream's serial, or a REPLY there that answers no pending call (the daemon's error answer to our data or finish). */
  onPacket(p: Packet): void;
  /** The session ended; the stream is dead. */
  onSessionClose(reason: Error): void;
}

/** A single connected stream with its pending calls. */
export class RpcSession {
  private serial = 1;
  /** Sent calls whose caller still waits, by serial. */
  private readonly pending = new Map<number, Call>();
  /** Sent calls whose caller gave up (deadline passed); each holds a slot until its late reply. */
  private readonly abandoned = new Set<number>();
  /** Calls waiting for a free slot, oldest first. */
  private readonly queue: Call[] = [];
  private readonly streams = new Map<number, StreamSink>();
  private readonly splitter = new PacketSplitter();
  private readonly keepalive: Keepalive | undefined;
  private readonly maxInFlight: number;
  private closed = false;
  private readingPaused = false;

  constructor(
    private readonly stream: Duplex,
    private readonly codecs: SchemaCodecs,
    private readonly handlers: SessionHandlers,
    opts: SessionOptions = {},
  ) {
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (err: Error) => this.shutdown(new HypervisorUnavailableError(`the libvirt connection failed: ${err.message}`)));
    stream.on('close', () => this.shutdown(new HypervisorUnavailableError('the libvirt connection was closed by the daemon')));
    if (opts.keepalive) {
      this.keepalive = new Keepalive(
        opts.keepalive,
        () => this.sendKeepalive(KeepaliveProcedure.KEEPALIVE_PROC_PING),
        (ms) => this.shutdown(new HypervisorUnavailableError(`libvirtd did not answer keepalive pings for ${ms} ms; the connection is considered dead`)),
      );
      this.keepalive.start();
    }
  }

  /** Whether the stream is still usable. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** Calls sent and not yet answered, abandoned ones included (what libvirtd counts against max_client_requests). */
  get inFlight(): number {
    return this.pending.size + this.abandoned.size;
  }

  /** Calls waiting for a free request slot. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Sends a CALL (once a request slot is free) and resolves with the reply payload; rejects
   * with a typed error, or with HypervisorTimeoutError when no reply came within the deadline.
   */
  call(addr: ProcedureAddress, payload: Buffer, opts: CallOptions): Promise<Buffer> {
    if (this.closed) return Promise.reject(new HypervisorUnavailableError('the libvirt connection is closed'));
    return this.callWithSerial(this.nextSerial(), addr, payload, opts);
  }

  /**
   * Opens a stream: registers the sink made by `create` under a fresh serial, then sends the
   * opening CALL. The sink is registered first because data may follow the reply at once.
   */
  openStream<S extends StreamSink>(addr: ProcedureAddress, payload: Buffer, create: (serial: number) => S, opts: CallOptions): { sink: S; reply: Promise<Buffer> } {
    const serial = this.nextSerial();
    const sink = create(serial);
    if (this.closed) return { sink, reply: Promise.reject(new HypervisorUnavailableError('the libvirt connection is closed')) };
    this.streams.set(serial, sink);
    return { sink, reply: this.callWithSerial(serial, addr, payload, opts) };
  }

  /**
   * Stops reading the socket (backpressure for a stream whose reader is behind). Nothing
   * else arrives until resumeReading(): use it only on a connection dedicated to one stream.
   */
  pauseReading(): void {
    if (this.closed || this.readingPaused) return;
    this.readingPaused = true;
    this.keepalive?.stop(); // silence is expected now
    this.stream.pause();
  }

  /** Reads the socket again after pauseReading(). */
  resumeReading(): void {
    if (this.closed || !this.readingPaused) return;
    this.readingPaused = false;
    this.keepalive?.start();
    this.stream.resume();
  }

  /** Sends one STREAM packet; `done` runs once the socket took it (write backpressure). */
  sendStream(addr: ProcedureAddress, serial: number, status: number, payload: Buffer, done?: () => void): void {
    if (this.closed) return;
    const flushed = this.stream.write(encodePacket({ ...addr, type: MessageType.STREAM, serial, status }, payload));
    if (!done) return;
    if (flushed) done();
    else this.stream.once('drain', done);
  }

  /** Forgets a stream's sink; later packets on its serial are dropped. */
  releaseStream(serial: number): void {
    this.streams.delete(serial);
  }

  /** Decodes a remote_error payload into a typed error. */
  decodeError(payload: Buffer, domainName: string | undefined): HypervisorError {
    try {
      const e = this.codecs.named('remote_error').dec(new XdrReader(payload)) as RemoteError;
      return toHypervisorError(e, domainName);
    } catch (err) {
      return new HypervisorError(`libvirt returned an error that could not be decoded: ${(err as Error).message}`);
    }
  }

  /** Closes the stream; pending calls fail with `reason`. */
  close(reason: Error = new HypervisorUnavailableError('the libvirt connection was closed by the client')): void {
    this.shutdown(reason);
  }

  private nextSerial(): number {
    const serial = this.serial;
    this.serial = this.serial >= 0xffffffff ? 1 : this.serial + 1;
    return serial;
  }

  private callWithSerial(serial: number, addr: ProcedureAddress, payload: Buffer, opts: CallOptions): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const call: Call = { frame: encodePacket({ ...addr, type: MessageType.CALL, serial, status: MessageStatus.OK }, payload), opts, resolve, reject };
      call.timer = setTimeout(() => this.expire(serial, call), opts.timeoutMs);
      this.queue.push(call);
      this.pump();
    });
  }

  /** Sends queued calls while request slots are free. */
  private pump(): void {
    while (!this.closed && this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const call = this.queue.shift() as Call;
      this.pending.set(call.frame.readUInt32BE(20), call);
      this.stream.write(call.frame);
    }
  }

  /** The deadline of a call passed: reject it; a sent one keeps its slot until libvirtd answers. */
  private expire(serial: number, call: Call): void {
    const queuedAt = this.queue.indexOf(call);
    if (queuedAt >= 0) this.queue.splice(queuedAt, 1);
    else if (this.pending.get(serial) === call) {
      this.pending.delete(serial);
      this.abandoned.add(serial);
      this.streams.delete(serial); // a stream whose opening call timed out: its opener abandons the sink
    } else return;
    call.reject(new HypervisorTimeoutError(call.opts.label, call.opts.timeoutMs, queuedAt >= 0));
    // Every slot held by a call libvirtd never answered: this connection cannot serve anything any more.
    if (this.abandoned.size >= this.maxInFlight) {
      this.shutdown(new HypervisorUnavailableError(`libvirtd left ${this.abandoned.size} calls unanswered past their deadlines, which holds every request slot of the connection; reconnecting`));
    }
  }

  private write(h: PacketHeader, payload: Buffer): void {
    this.stream.write(encodePacket(h, payload));
  }

  private sendKeepalive(procedure: number): void {
    if (this.closed) return;
    this.write(
      { program: KEEPALIVE_PROGRAM, version: KEEPALIVE_PROTOCOL_VERSION, procedure, type: MessageType.MESSAGE, serial: 0, status: MessageStatus.OK },
      Buffer.alloc(0),
    );
  }

  private onData(chunk: Buffer): void {
    this.keepalive?.touch();
    let packets: Packet[];
    try {
      packets = this.splitter.push(chunk);
    } catch (err) {
      this.shutdown(new HypervisorUnavailableError(`the libvirt connection sent garbage: ${(err as Error).message}`));
      return;
    }
    for (const p of packets) {
      try {
        this.dispatch(p);
      } catch (err) {
        this.handlers.onPacketError(err, p);
      }
    }
  }

  private dispatch(p: Packet): void {
    if (p.program === KEEPALIVE_PROGRAM) {
      if (p.procedure === KeepaliveProcedure.KEEPALIVE_PROC_PING) this.sendKeepalive(KeepaliveProcedure.KEEPALIVE_PROC_PONG);
      return;
    }
    if (p.type === MessageType.MESSAGE) return this.handlers.onMessage(p);
    if (p.type === MessageType.STREAM || p.type === MessageType.STREAM_HOLE) return this.streams.get(p.serial)?.onPacket(p);
    if (p.type !== MessageType.REPLY && p.type !== MessageType.REPLY_WITH_FDS) return;
    if (this.abandoned.delete(p.serial)) return this.pump(); // a late reply: its caller is gone, its slot is free
    const call = this.pending.get(p.serial);
    if (!call) return this.streams.get(p.serial)?.onPacket(p);
    this.pending.delete(p.serial);
    clearTimeout(call.timer);
    this.pump();
    if (p.status === MessageStatus.OK) return call.resolve(p.payload);
    call.reject(this.decodeError(p.payload, call.opts.domainName));
  }

  private shutdown(reason: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.keepalive?.stop();
    const calls = [...this.queue, ...this.pending.values()];
    this.queue.length = 0;
    this.pending.clear();
    this.abandoned.clear();
    for (const call of calls) {
      clearTimeout(call.timer);
      call.reject(reason);
    }
    const sinks = [...this.streams.values()];
    this.streams.clear();
    for (const sink of sinks) sink.onSessionClose(reason);
    this.stream.destroy();
    this.handlers.onClose(reason);
  }
}
