/**
 * Snapshots with the guest's memory on a running domain, and bringing a domain back from one.
 *
 * Taking one is libvirt's external snapshot with `<memory snapshot='external'>`: QEMU pauses the
 * guest, writes its memory (libvirt's save format) to the file, then switches every listed disk onto
 * its overlay and resumes, so the memory file and the frozen disk files describe the same instant.
 * NO_METADATA and REUSE_EXT as for disk-only snapshots (see block-jobs.ts). libvirt 9 cannot revert
 * an external snapshot, so onebox restores the memory file itself with virDomainRestoreFlags, giving
 * the domain's current definition (which onebox pointed at fresh overlays) as the XML to run.
 */
import { diskSource } from '../domain-xml.js';
import { el, renderXml } from '../xml.js';
import type { LibvirtConnection } from './connection.js';
import type { RemoteNonnullDomain } from './protocol.generated.js';

const VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA = 4;
const VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT = 32;
const VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC = 128;
const VIR_DOMAIN_SAVE_RUNNING = 2;
const VIR_DOMAIN_XML_SECURE = 1;
const VIR_DOMAIN_XML_INACTIVE = 2;
/** virDomainJobType: none. */
const VIR_DOMAIN_JOB_NONE = 0;
/** How often the memory save's progress is asked. */
const POLL_MS = 250;

/** The snapshot XML saving memory to `memoryPath` and switching each listed disk to its overlay. */
export function memorySnapshotXml(name: string, memoryPath: string, overlays: { target: string; path: string }[]): string {
  return renderXml(
    el(
      'domainsnapshot',
      {},
      el('name', {}, name),
      el('memory', { snapshot: 'external', file: memoryPath }),
      el(
        'disks',
        {},
        ...overlays.map((o) => {
          const { type, source } = diskSource(o.path);
          return el('disk', { name: o.target, snapshot: 'external', type }, el('driver', { type: 'qcow2' }), source);
        }),
      ),
    ),
  );
}

/** Takes the snapshot (ATOMIC: memory and every disk, or nothing switched), reporting the memory written as progress. */
export async function createMemorySnapshot(connection: LibvirtConnection, dom: RemoteNonnullDomain, memoryPath: string, overlays: { target: string; path: string }[], onProgress?: (fraction: number) => void): Promise<void> {
  const flags = VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
  let done = false;
  const created = connection.call('DOMAIN_SNAPSHOT_CREATE_XML', { dom, xml_desc: memorySnapshotXml(`onebox-${Date.now()}`, memoryPath, overlays), flags }).finally(() => (done = true));
  const watched = onProgress ? watchJob(connection, dom, () => done, onProgress) : Promise.resolve();
  await created;
  await watched;
}

/** Polls the domain's job (the memory save) until `finished`, reporting processed/total; a failed poll only ends the watching. */
async function watchJob(connection: LibvirtConnection, dom: RemoteNonnullDomain, finished: () => boolean, onProgress: (fraction: number) => void): Promise<void> {
  while (!finished()) {
    const info = await connection.call('DOMAIN_GET_JOB_INFO', { dom }).catch(() => undefined);
    if (!info) return;
    if (info.type !== VIR_DOMAIN_JOB_NONE && info.dataTotal > 0n) onProgress(Number(info.dataProcessed) / Number(info.dataTotal));
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Starts the defined, stopped domain from the memory file, running, with its current definition (disks and all) as the XML. */
export async function restoreMemory(connection: LibvirtConnection, dom: RemoteNonnullDomain, memoryPath: string): Promise<void> {
  const { xml } = await connection.call('DOMAIN_GET_XML_DESC', { dom, flags: VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE });
  await connection.call('DOMAIN_RESTORE_FLAGS', { from: memoryPath, dxml: xml, flags: VIR_DOMAIN_SAVE_RUNNING });
}

/** Aborts the job running on the domain, if any (a memory save left by a process that died), and waits until none runs. */
export async function abortJob(connection: LibvirtConnection, dom: RemoteNonnullDomain, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let asked = false;
  for (;;) {
    const { type } = await connection.call('DOMAIN_GET_JOB_INFO', { dom });
    if (type === VIR_DOMAIN_JOB_NONE) return;
    // The job may end on its own between the two calls: an abort refused then is no failure.
    if (!asked) await connection.call('DOMAIN_ABORT_JOB', { dom }).catch(() => undefined);
    asked = true;
    if (Date.now() > deadline) throw new Error(`the job of the domain did not end within ${timeoutMs / 1000} s of its abort`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
