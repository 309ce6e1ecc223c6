/**
 * LibvirtStream: one libvirt RPC stream (opened by a call such as DOMAIN_OPEN_CONSOLE) as a
 * Node Duplex of raw bytes. Wire rules, from libvirt's remote_daemon_stream.c: data travels
 * as STREAM packets with status CONTINUE on the opening call's procedure and serial; an
 * empty OK is end-of-stream (the daemon sends one on EOF and confirms our own with one);
 * STREAM/ERROR, or a REPLY/ERROR on the serial, carries a remote_error and kills the stream.
 * Flow control: libvirt has no receive window, so the only way to make the daemon stop
 * sending is to stop reading its socket; a stream on a connection dedicated to it gets
 * `pause`/`resume` in its port and uses them when its reader falls behind. Whatever else
 * arrives beyond MAX_READ_BUFFER unread bytes is dropped, so memory stays bounded either way.
 */
import { Duplex } from 'node:stream';
import { HypervisorError } from '../errors.js';
import { MessageStatus, MessageType, type Packet } from './packet.js';
import { VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX } from './protocol.generated.js';
import type { StreamSink } from './rpc-session.js';

/** The most data one STREAM packet carries: the daemon reads and accepts at most this much per packet. */
export const STREAM_CHUNK_MAX = VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX;

/** Unread bytes above which the stream asks its connection to stop reading the socket. */
export const READ_HIGH_WATER = 1024 * 1024;
/** Unread bytes above which arriving data is dropped (a reader that is far behind on a connection that cannot pause). */
export const MAX_READ_BUFFER = 8 * 1024 * 1024;

/** What a stream needs from its session, bound to the stream's procedure and serial. */
export interface StreamPort {
  /** Sends one STREAM packet; `done` runs once the socket took it. */
  send(status: number, payload: Buffer, done?: () => void): void;
  /** Forgets the stream in the session. */
  release(): void;
  /** Decodes a remote_error payload. */
  decodeError(payload: Buffer): HypervisorError;
  /** Stops reading the connection's socket (only when the connection is dedicated to this stream). */
  pause?(): void;
  /** Reads the socket again. */
  resume?(): void;
}

/**
 * A libvirt stream as a Duplex. Reading yields what the daemon sends; writing sends data
 * (its callback, and so write()'s return value, follows the socket's own backpressure);
 * end() or destroy() finishes the stream on the daemon.
 */
export class LibvirtStream extends Duplex implements StreamSink {
  /** We sent our end-of-stream (OK); the next OK from the daemon is its confirmation. */
  private sentFinish = false;
  /** The daemon is done with the stream: it confirmed, failed, or the session died. */
  private remoteClosed = false;
  private quiet = false;
  private readEnded = false;
  private dropped = 0;

  constructor(private readonly port: StreamPort) {
    super({ allowHalfOpen: false, readableHighWaterMark: READ_HIGH_WATER });
  }

  /** Bytes dropped because the reader was more than MAX_READ_BUFFER behind. */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** Makes a later daemon-side error end the stream cleanly instead (used when a new console takes this one over). */
  endQuietlyOnError(): void {
    this.quiet = true;
  }

  /** Undoes endQuietlyOnError (the takeover did not happen). */
  reportErrors(): void {
    this.quiet = false;
  }

  /** Drops a stream the daemon never opened (its opening call failed), without sending or emitting anything. */
  abandon(): void {
    this.remoteClosed = true;
    this.destroy();
  }

  /** Handles one packet the session routed to this stream. */
  onPacket(p: Packet): void {
    if (this.destroyed) return;
    if (p.type === MessageType.STREAM && p.status === MessageStatus.CONTINUE) {
      if (p.payload.length === 0) return;
      if (this.readableLength + p.payload.length > MAX_READ_BUFFER) {
        this.dropped += p.payload.length;
        return;
      }
      if (!this.push(Buffer.from(p.payload))) this.port.pause?.();
      return;
    }
    if (p.type === MessageType.STREAM && p.status === MessageStatus.OK) return this.onRemoteEnd();
    if (p.status === MessageStatus.ERROR) return this.onRemoteError(this.port.decodeError(p.payload));
    // Other REPLYs on the serial are the daemon's empty bookkeeping answers; STREAM_HOLE is for sparse volumes only.
  }

  /** The session died: the stream dies with it. */
  onSessionClose(reason: Error): void {
    this.remoteClosed = true;
    this.fail(reason);
  }

  override _read(): void {
    // The reader wants more: let the daemon send again (data is pushed as packets arrive).
    this.port.resume?.();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.remoteClosed || this.sentFinish) return cb(new HypervisorError('the libvirt stream is already closed; open a new one to send more data'));
    if (chunk.length === 0) return cb();
    let offset = 0;
    while (chunk.length - offset > STREAM_CHUNK_MAX) {
      this.port.send(MessageStatus.CONTINUE, chunk.subarray(offset, offset + STREAM_CHUNK_MAX));
      offset += STREAM_CHUNK_MAX;
    }
    this.port.send(MessageStatus.CONTINUE, chunk.subarray(offset), () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.finish();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.finish();
    this.port.release();
    cb(err);
  }

  /** Sends our end-of-stream once, unless the daemon already closed the stream. */
  private finish(): void {
    if (this.sentFinish || this.remoteClosed) return;
    this.sentFinish = true;
    this.port.send(MessageStatus.OK, Buffer.alloc(0));
  }

  private onRemoteEnd(): void {
    if (this.sentFinish) {
      this.remoteClosed = true; // the confirmation of our finish
      this.port.release();
    } else {
      this.finish(); // the daemon's EOF: answer it so the daemon frees the stream
    }
    this.endReading();
  }

  private onRemoteError(err: HypervisorError): void {
    this.remoteClosed = true;
    if (!this.quiet) return this.fail(err);
    this.port.release();
    this.endReading();
  }

  private endReading(): void {
    if (this.readEnded) return;
    this.readEnded = true;
    this.push(null);
  }

  /**
   * Destroys with `err` on the next turn of the event loop: a failure that arrives together
   * with the opening reply would otherwise be emitted before the caller could listen for it.
   */
  private fail(err: Error): void {
    setImmediate(() => this.destroy(err));
  }
}
