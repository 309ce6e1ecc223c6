/**
 * Live snapshots and block jobs on a running domain: an external disk-only snapshot onto overlays
 * onebox made beforehand, block pull and intermediate block commit, each waited for until done.
 *
 * Snapshots are created with NO_METADATA: onebox's database is the snapshot tree, and libvirt
 * metadata would be a second truth to keep in step (and would block undefine). REUSE_EXT: the
 * overlays are made by the host agent with qemu-img first, so a stopped and a running instance get
 * the same files, and a fake driver needs no storage of its own.
 */
import { diskSource } from '../domain-xml.js';
import { el, renderXml } from '../xml.js';
import type { LibvirtConnection } from './connection.js';
import type { RemoteNonnullDomain } from './protocol.generated.js';

const VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA = 4;
const VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY = 16;
const VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT = 32;
const VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE = 64;
const VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC = 128;
const VIR_DOMAIN_BLOCK_COMMIT_ACTIVE = 4;
const VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT = 2;
/** How often a block job's progress is asked. */
const POLL_MS = 200;

/** The snapshot XML switching each listed disk to its overlay (other disks, the CD-ROMs, are left alone). */
export function snapshotXml(name: string, overlays: { target: string; path: string }[]): string {
  return renderXml(
    el(
      'domainsnapshot',
      {},
      el('name', {}, name),
      el('memory', { snapshot: 'no' }),
      el(
        'disks',
        {},
        ...overlays.map((o) => {
          const { type, source } = diskSource(o.path); // a file, or an nfs:// URL on an NFS pool
          return el('disk', { name: o.target, snapshot: 'external', type }, el('driver', { type: 'qcow2' }), source);
        }),
      ),
    ),
  );
}

/** Runs the external disk-only snapshot (ATOMIC: every disk or none). */
export async function createDiskSnapshot(connection: LibvirtConnection, dom: RemoteNonnullDomain, overlays: { target: string; path: string }[], quiesce: boolean): Promise<void> {
  const flags =
    VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC | (quiesce ? VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE : 0);
  await connection.call('DOMAIN_SNAPSHOT_CREATE_XML', { dom, xml_desc: snapshotXml(`onebox-${Date.now()}`, overlays), flags });
}

/** Waits until the disk has no block job left, reporting cur/end as progress. */
export async function waitBlockJob(connection: LibvirtConnection, dom: RemoteNonnullDomain, target: string, onProgress?: (fraction: number) => void): Promise<void> {
  for (;;) {
    const info = await connection.call('DOMAIN_GET_BLOCK_JOB_INFO', { dom, path: target, flags: 0 });
    if (info.found === 0) return;
    if (info.end > 0n) onProgress?.(Number(info.cur) / Number(info.end));
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Active block commit: writes the disk's active file into `basePath` (its backing file), waits until
 * the job is ready (libvirt reports cur == end only then), and pivots the disk onto `basePath`; the
 * active file is then out of the chain.
 */
export async function commitActiveFile(connection: LibvirtConnection, dom: RemoteNonnullDomain, target: string, basePath: string, onProgress?: (fraction: number) => void): Promise<void> {
  await connection.call('DOMAIN_BLOCK_COMMIT', { dom, disk: target, base: basePath, top: null, bandwidth: 0n, flags: VIR_DOMAIN_BLOCK_COMMIT_ACTIVE });
  for (;;) {
    const info = await connection.call('DOMAIN_GET_BLOCK_JOB_INFO', { dom, path: target, flags: 0 });
    if (info.found === 0) throw new Error(`the commit job of disk ${target} ended before it could pivot`);
    if (info.end > 0n) onProgress?.(Number(info.cur) / Number(info.end));
    if (info.end > 0n && info.cur === info.end) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  await connection.call('DOMAIN_BLOCK_JOB_ABORT', { dom, path: target, flags: VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT });
  await waitBlockJob(connection, dom, target);
}
