/** Reads a domain's virtio disks (device `disk`: target and source file) and its guest agent channel's state out of libvirt's domain XML. Pure. */
import type { DomainDiskState } from '../types.js';

/** Every `<disk device='disk'>` with a `<source file>` (or an NFS network source, as an nfs:// URL) and a `<target dev>`, in document order. */
export function disksOfXml(xml: string): DomainDiskState[] {
  const disks: DomainDiskState[] = [];
  for (const m of xml.matchAll(/<disk\b([^>]*)>([\s\S]*?)<\/disk>/g)) {
    if (!/\bdevice=['"]disk['"]/.test(m[1])) continue;
    const target = /<target\b[^>]*\bdev=['"]([^'"]+)['"]/.exec(m[2]);
    const source = /<source\b[^>]*\bfile=['"]([^'"]+)['"]/.exec(m[2]);
    const nfs = /<source\b[^>]*\bprotocol=['"]nfs['"][^>]*\bname=['"]([^'"]+)['"][^>]*>\s*<host\b[^>]*\bname=['"]([^'"]+)['"]/.exec(m[2]);
    if (target && source) disks.push({ target: target[1], path: unescapeXml(source[1]) });
    else if (target && nfs) disks.push({ target: target[1], path: `nfs://${unescapeXml(nfs[2])}${unescapeXml(nfs[1])}` });
  }
  return disks;
}

/** Whether the live XML shows the QEMU guest agent's virtio channel opened by the guest (`state='connected'`). */
export function guestAgentConnectedInXml(xml: string): boolean {
  for (const m of xml.matchAll(/<channel\b[^>]*>([\s\S]*?)<\/channel>/g)) {
    const target = /<target\b([^>]*)\/?>/.exec(m[1]);
    if (target && /\bname=['"]org\.qemu\.guest_agent\.0['"]/.test(target[1])) return /\bstate=['"]connected['"]/.test(target[1]);
  }
  return false;
}

function unescapeXml(value: string): string {
  return value.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] ?? '');
}
