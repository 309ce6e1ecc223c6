/**
 * What an imported file is, from its own bytes (never from its name, never by letting qemu-img
 * probe untrusted bytes with every driver): the magic of qcow2, vmdk (sparse and
 * streamOptimized), vhdx and vdi; a tar (an OVA); signatures of files that are not disks
 * (compressed archives, ISOs, vmdk descriptor files that point at other files); anything
 * else is a raw disk. Also where a disk lies inside a file (an OVA's tar entry) and how
 * qemu-img opens it there without unpacking: a `json:` spec with a raw offset/size layer.
 */
import { isQcow2 } from './qcow2-header.js';

/** Disk formats onebox imports (converted to qcow2 unless already qcow2 or raw). */
export type ImportDiskFormat = 'qcow2' | 'raw' | 'vmdk' | 'vhdx' | 'vdi';

/** What the first bytes of a file say. */
export type Sniffed =
  | { kind: 'disk'; format: ImportDiskFormat }
  | { kind: 'ova' }
  | { kind: 'refused'; what: string };

/** Bytes to read before sniffing (the tar magic sits at 257, the ISO one at 32769). */
export const SNIFF_BYTES = 32774;

const startsWith = (head: Buffer, text: string, at = 0) => head.length >= at + text.length && head.subarray(at, at + text.length).toString('latin1') === text;

/** Classifies a file from its first {@link SNIFF_BYTES} bytes. */
export function sniffImport(head: Buffer): Sniffed {
  if (isQcow2(head)) return { kind: 'disk', format: 'qcow2' };
  if (startsWith(head, 'KDMV')) return { kind: 'disk', format: 'vmdk' };
  if (startsWith(head, 'vhdxfile')) return { kind: 'disk', format: 'vhdx' };
  if (head.length >= 0x44 && head.readUInt32LE(0x40) === 0xbeda107f) return { kind: 'disk', format: 'vdi' };
  if (startsWith(head, 'ustar', 257)) return { kind: 'ova' };
  if (startsWith(head, '# Disk DescriptorFile') || startsWith(head, '# Disk Descriptor'))
    return { kind: 'refused', what: 'a vmdk descriptor that refers to separate extent files (convert it to a single-file vmdk or qcow2 first)' };
  if (startsWith(head, 'CD001', 32769)) return { kind: 'refused', what: 'an ISO 9660 image (upload it as an ISO under media)' };
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { kind: 'refused', what: 'a gzip archive (decompress it first)' };
  if (startsWith(head, '\xfd7zXZ\x00')) return { kind: 'refused', what: 'an xz archive (decompress it first)' };
  if (startsWith(head, 'BZh')) return { kind: 'refused', what: 'a bzip2 archive (decompress it first)' };
  if (startsWith(head, '\x28\xb5\x2f\xfd')) return { kind: 'refused', what: 'a zstd archive (decompress it first)' };
  if (startsWith(head, 'PK\x03\x04')) return { kind: 'refused', what: 'a zip archive (unpack it first)' };
  if (/^\s*<(!doctype|html|\?xml)/i.test(head.subarray(0, 64).toString('latin1'))) return { kind: 'refused', what: 'an HTML or XML document, not a disk image' };
  return { kind: 'disk', format: 'raw' };
}

/** A disk for qemu-img: a file, or a byte range of a file (a tar entry) seen as a whole disk. */
export interface DiskSource {
  path: string;
  format: ImportDiskFormat;
  /** Where the disk starts inside `path` and how long it is (an OVA entry). */
  range?: { offset: number; size: number };
}

/**
 * The filename argument qemu-img gets: the plain path, or a `json:` spec whose raw layer
 * exposes only the byte range (qemu-img then reads the tar entry in place).
 */
export function qemuImgTarget(source: DiskSource): string {
  if (!source.range) return source.path;
  return `json:${JSON.stringify({
    driver: source.format,
    file: { driver: 'raw', offset: source.range.offset, size: source.range.size, file: { driver: 'file', filename: source.path } },
  })}`;
}

/** One member of a tar file. */
export interface TarEntry {
  name: string;
  /** Where its data starts in the tar. */
  offset: number;
  size: number;
}

/** Parses one 512-byte ustar header block; undefined at the end-of-archive (a zero block). */
export function parseTarHeader(block: Buffer, at: number): { entry: TarEntry; type: string; next: number } | 'end' | 'invalid' {
  if (block.length < 512) return 'invalid';
  if (block.every((b) => b === 0)) return 'end';
  const text = (from: number, len: number) => block.subarray(from, from + len).toString('utf8').replace(/\0.*$/s, '');
  const sizeField = text(124, 12).trim();
  if (!/^[0-7]*$/.test(sizeField)) return 'invalid';
  const size = sizeField === '' ? 0 : parseInt(sizeField, 8);
  const prefix = startsWith(block, 'ustar', 257) ? text(345, 155) : '';
  const name = (prefix ? `${prefix}/` : '') + text(0, 100);
  const type = text(156, 1) || '0';
  const offset = at + 512;
  return { entry: { name, offset, size }, type, next: offset + Math.ceil(size / 512) * 512 };
}

/** What an OVF descriptor says that is cheap to read: the machine's name, its OS and the disk files in order. */
export interface OvfSummary {
  name?: string;
  os?: string;
  diskFiles: string[];
}

/** Reads an OVF descriptor with a few patterns (no XML parser: only names and hrefs are taken). */
export function parseOvf(xml: string): OvfSummary {
  const attr = (tag: string, name: string) => new RegExp(`<(?:\\w+:)?${tag}\\b[^>]*?\\b(?:\\w+:)?${name}="([^"]*)"`, 'i').exec(xml)?.[1];
  const diskFiles = [...xml.matchAll(/<(?:\w+:)?File\b[^>]*?\b(?:\w+:)?href="([^"]+)"/gi)].map((m) => m[1]);
  const name = /<(?:\w+:)?VirtualSystem\b[^>]*>[\s\S]*?<(?:\w+:)?Name>([^<]{1,128})<\/(?:\w+:)?Name>/i.exec(xml)?.[1] ?? attr('VirtualSystem', 'id');
  const osSection = /<(?:\w+:)?OperatingSystemSection\b[^>]*>[\s\S]*?<(?:\w+:)?Description>([^<]{1,64})</i.exec(xml)?.[1];
  const os = attr('OperatingSystemSection', 'osType') ?? osSection;
  return { name: name?.trim() || undefined, os: os?.trim() || undefined, diskFiles };
}
