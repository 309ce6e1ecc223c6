/**
 * libvirt RPC packet framing: a 4-byte length (including itself), the 24-byte
 * virNetMessageHeader, then the XDR payload. Also a splitter that reassembles packets
 * from a byte stream.
 */
import { VIR_NET_MESSAGE_MAX } from './protocol.generated.js';

/** virNetMessageType values. */
export const MessageType = { CALL: 0, REPLY: 1, MESSAGE: 2, STREAM: 3, CALL_WITH_FDS: 4, REPLY_WITH_FDS: 5, STREAM_HOLE: 6 } as const;
/** virNetMessageStatus values. */
export const MessageStatus = { OK: 0, ERROR: 1, CONTINUE: 2 } as const;

/** The fixed header of every libvirt RPC packet. */
export interface PacketHeader {
  program: number;
  version: number;
  procedure: number;
  type: number;
  serial: number;
  status: number;
}

/** A decoded packet: header plus the raw payload. */
export interface Packet extends PacketHeader {
  payload: Buffer;
}

const HEADER_BYTES = 28;

/** Frames a header and payload into one packet ready to write. */
export function encodePacket(h: PacketHeader, payload: Buffer): Buffer {
  const total = HEADER_BYTES + payload.length;
  if (total > VIR_NET_MESSAGE_MAX) throw new Error(`a libvirt packet of ${total} bytes exceeds the protocol maximum of ${VIR_NET_MESSAGE_MAX}`);
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(h.program, 4);
  out.writeUInt32BE(h.version, 8);
  out.writeInt32BE(h.procedure, 12);
  out.writeInt32BE(h.type, 16);
  out.writeUInt32BE(h.serial, 20);
  out.writeInt32BE(h.status, 24);
  payload.copy(out, HEADER_BYTES);
  return out;
}

/** Decodes one complete packet (length prefix included). */
export function decodePacket(frame: Buffer): Packet {
  return {
    program: frame.readUInt32BE(4),
    version: frame.readUInt32BE(8),
    procedure: frame.readInt32BE(12),
    type: frame.readInt32BE(16),
    serial: frame.readUInt32BE(20),
    status: frame.readInt32BE(24),
    payload: frame.subarray(HEADER_BYTES),
  };
}

/** Accumulates stream chunks and yields each complete packet. */
export class PacketSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds received bytes; returns the packets completed by them. Throws on an impossible length. */
  push(chunk: Buffer): Packet[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Packet[] = [];
    while (this.buffered >= 4) {
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : this.merge();
      const len = head.readUInt32BE(0);
      if (len < HEADER_BYTES || len > VIR_NET_MESSAGE_MAX) throw new Error(`received a libvirt packet with invalid length ${len}`);
      if (this.buffered < len) break;
      const all = this.chunks.length === 1 ? this.chunks[0] : this.merge();
      out.push(decodePacket(all.subarray(0, len)));
      const rest = all.subarray(len);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
    }
    return out;
  }

  private merge(): Buffer {
    const all = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [all];
    return all;
  }
}
