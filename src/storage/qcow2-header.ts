/**
 * Reads (and, for tests, writes) the fixed part of a qcow2 header: enough to tell a qcow2
 * from a raw disk before any qemu-img probe, and for the fake image inspector to answer like
 * qemu-img does (virtual size, backing file, external data file). Layout from the qcow2
 * specification (QEMU's docs/interop/qcow2.txt); all integers big-endian.
 */

/** The four bytes every qcow2 file starts with: "QFI\xfb". */
export const QCOW2_MAGIC = 0x514649fb;
const EXT_END = 0;
const EXT_DATA_FILE = 0x44415441;
const INCOMPAT_DATA_FILE = 1n << 2n;
const V3_HEADER_LENGTH = 104;

/** What the header says. */
export interface Qcow2Header {
  version: number;
  clusterBits: number;
  virtualSizeBytes: number;
  /** Where the refcount table and L1 table start: both must lie inside the file. */
  refcountTableOffset: number;
  l1TableOffset: number;
  backingFile?: string;
  /** Set when the image keeps its data in an external file (the name, or '' when the extension is missing). */
  dataFile?: string;
}

/** True when the buffer starts with the qcow2 magic. */
export function isQcow2(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32BE(0) === QCOW2_MAGIC;
}

/** Parses a qcow2 header from the first bytes of the file (give at least 64 KiB); undefined when it is not a plausible qcow2. */
export function parseQcow2Header(buf: Buffer): Qcow2Header | undefined {
  if (buf.length < 72 || !isQcow2(buf)) return undefined;
  const version = buf.readUInt32BE(4);
  const clusterBits = buf.readUInt32BE(20);
  if ((version !== 2 && version !== 3) || clusterBits < 9 || clusterBits > 21) return undefined;
  if (version === 3 && (buf.length < V3_HEADER_LENGTH || buf.length < buf.readUInt32BE(100))) return undefined;
  const header: Qcow2Header = {
    version, clusterBits, virtualSizeBytes: Number(buf.readBigUInt64BE(24)),
    l1TableOffset: Number(buf.readBigUInt64BE(40)), refcountTableOffset: Number(buf.readBigUInt64BE(48)),
  };
  const backingOffset = Number(buf.readBigUInt64BE(8));
  const backingSize = buf.readUInt32BE(16);
  if (backingOffset > 0 && backingSize > 0) {
    if (backingOffset + backingSize > buf.length) return undefined;
    header.backingFile = buf.subarray(backingOffset, backingOffset + backingSize).toString('utf8');
  }
  if (version === 3) {
    const incompatible = buf.readBigUInt64BE(72);
    const dataFile = readExtension(buf, buf.readUInt32BE(100), EXT_DATA_FILE);
    if (dataFile !== undefined || (incompatible & INCOMPAT_DATA_FILE) !== 0n) header.dataFile = dataFile ?? '';
  }
  return header;
}

function readExtension(buf: Buffer, start: number, wanted: number): string | undefined {
  for (let at = start; at + 8 <= buf.length; ) {
    const type = buf.readUInt32BE(at);
    const length = buf.readUInt32BE(at + 4);
    if (type === EXT_END || at + 8 + length > buf.length) return undefined;
    if (type === wanted) return buf.subarray(at + 8, at + 8 + length).toString('utf8');
    at += 8 + Math.ceil(length / 8) * 8;
  }
  return undefined;
}

/**
 * Writes a minimal but complete empty qcow2 v3 image (64 KiB clusters: header, refcount table,
 * refcount block, L1 table): a test fixture that qemu-img opens and the fake inspector reads alike.
 */
export function buildQcow2Header(opts: { virtualSizeBytes: number; backingFile?: string; dataFile?: string }): Buffer<ArrayBuffer> {
  const cluster = 65536;
  const buf = Buffer.alloc(4 * cluster);
  buf.writeUInt32BE(QCOW2_MAGIC, 0);
  buf.writeUInt32BE(3, 4);
  buf.writeUInt32BE(16, 20); // cluster bits
  buf.writeBigUInt64BE(BigInt(opts.virtualSizeBytes), 24);
  const l2Coverage = cluster * (cluster / 8);
  buf.writeUInt32BE(Math.max(1, Math.ceil(opts.virtualSizeBytes / l2Coverage)), 36); // L1 size
  buf.writeBigUInt64BE(BigInt(3 * cluster), 40); // L1 table offset
  buf.writeBigUInt64BE(BigInt(cluster), 48); // refcount table offset
  buf.writeUInt32BE(1, 56); // refcount table clusters
  buf.writeUInt32BE(4, 96); // refcount order: 16-bit refcounts
  buf.writeUInt32BE(V3_HEADER_LENGTH, 100);
  buf.writeBigUInt64BE(BigInt(2 * cluster), cluster); // refcount table[0] -> refcount block
  for (let c = 0; c < 4; c++) buf.writeUInt16BE(1, 2 * cluster + 2 * c); // each of the 4 clusters used once
  let at = V3_HEADER_LENGTH;
  if (opts.dataFile !== undefined) {
    buf.writeBigUInt64BE(INCOMPAT_DATA_FILE, 72);
    const name = Buffer.from(opts.dataFile);
    buf.writeUInt32BE(EXT_DATA_FILE, at);
    buf.writeUInt32BE(name.length, at + 4);
    name.copy(buf, at + 8);
    at += 8 + Math.ceil(name.length / 8) * 8;
  }
  buf.writeUInt32BE(EXT_END, at);
  if (opts.backingFile !== undefined) {
    const name = Buffer.from(opts.backingFile);
    const offset = 2048;
    name.copy(buf, offset);
    buf.writeBigUInt64BE(BigInt(offset), 8);
    buf.writeUInt32BE(name.length, 16);
  }
  return buf;
}
