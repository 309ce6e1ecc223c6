/**
 * One live byte stream to libvirtd: writes CALL packets with fresh serials, matches REPLY
 * packets to pending calls (many may be in flight: pipelining), answers keepalive PINGs,
 * pings an idle daemon, hands async MESSAGE packets to a callback and routes STREAM packets
 * (and late REPLYs on a stream's serial) to the sink registered for that serial.
 * Knows nothing about procedures beyond numbers and raw payloads.
 */
import type { Duplex } from 'node:stream';
import { HypervisorError, HypervisorUnavailableError } from '../errors.js';
import { Keepalive, type KeepaliveOptions } from './keepalive.js';
import { toHypervisorError } from './libvirt-errors.js';
import { MessageStatus, MessageType, type Packet, PacketSplitter, encodePacket } from './packet.js';
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

interface Pending {
  resolve: (payload: Buffer) => void;
  reject: (err: Error) => void;
  domainName: string | undefined;
}

/** Callbacks a session reports to. */
export interface SessionHandlers {
  /** An async MESSAGE packet (events) that is not keepalive. */
  onMessage(p: Packet): void;
  /** The stream ended; `reason` says why. Called once. */
  onClose(reason: Error): void;
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
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, StreamSink>();
  private readonly splitter = new PacketSplitter();
  private readonly keepalive: Keepalive | undefined;
  private closed = false;

  constructor(
    private readonly stream: Duplex,
    private readonly codecs: SchemaCodecs,
    private readonly handlers: SessionHandlers,
    keepalive: KeepaliveOptions | undefined,
  ) {
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (err: Error) => this.shutdown(new HypervisorUnavailableError(`the libvirt connection failed: ${err.message}`)));
    stream.on('close', () => this.shutdown(new HypervisorUnavailableError('the libvirt connection was closed by the daemon')));
    if (keepalive) {
      this.keepalive = new Keepalive(
        keepalive,
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

  /** Number of calls waiting for a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends a CALL and resolves with the reply payload; rejects with a typed error. */
  call(addr: ProcedureAddress, payload: Buffer, domainName?: string): Promise<Buffer> {
    if (this.closed) return Promise.reject(new HypervisorUnavailableError('the libvirt connection is closed'));
    return this.callWithSerial(this.nextSerial(), addr, payload, domainName);
  }

  /**
   * Opens a stream: registers the sink made by `create` under a fresh serial, then sends the
   * opening CALL. The sink is registered first because data may follow the reply at once.
   */
  openStream<S extends StreamSink>(addr: ProcedureAddress, payload: Buffer, create: (serial: number) => S, domainName?: string): { sink: S; reply: Promise<Buffer> } {
    const serial = this.nextSerial();
    const sink = create(serial);
    if (this.closed) return { sink, reply: Promise.reject(new HypervisorUnavailableError('the libvirt connection is closed')) };
    this.streams.set(serial, sink);
    return { sink, reply: this.callWithSerial(serial, addr, payload, domainName) };
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

  private callWithSerial(serial: number, addr: ProcedureAddress, payload: Buffer, domainName: string | undefined): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(serial, { resolve, reject, domainName });
      this.write({ ...addr, type: MessageType.CALL, serial, status: MessageStatus.OK }, payload);
    });
  }

  private write(h: Parameters<typeof encodePacket>[0], payload: Buffer): void {
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
    for (const p of packets) this.dispatch(p);
  }

  private dispatch(p: Packet): void {
    if (p.program === KEEPALIVE_PROGRAM) {
      if (p.procedure === KeepaliveProcedure.KEEPALIVE_PROC_PING) this.sendKeepalive(KeepaliveProcedure.KEEPALIVE_PROC_PONG);
      return;
    }
    if (p.type === MessageType.MESSAGE) return this.handlers.onMessage(p);
    if (p.type === MessageType.STREAM || p.type === MessageType.STREAM_HOLE) return this.streams.get(p.serial)?.onPacket(p);
    if (p.type !== MessageType.REPLY && p.type !== MessageType.REPLY_WITH_FDS) return;
    const call = this.pending.get(p.serial);
    if (!call) return this.streams.get(p.serial)?.onPacket(p);
    this.pending.delete(p.serial);
    if (p.status === MessageStatus.OK) return call.resolve(p.payload);
    call.reject(this.decodeError(p.payload, call.domainName));
  }

  private shutdown(reason: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.keepalive?.stop();
    for (const call of this.pending.values()) call.reject(reason);
    this.pending.clear();
    const sinks = [...this.streams.values()];
    this.streams.clear();
    for (const sink of sinks) sink.onSessionClose(reason);
    this.stream.destroy();
    this.handlers.onClose(reason);
  }
}
