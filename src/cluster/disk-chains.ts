/**
 * The host side of snapshots: overlays on an instance's disk files, live external snapshots onto
 * them, and merging a file into the one above it (qemu-img rebase when stopped, block pull or block
 * commit when running), and snapshots with the guest's memory (a memory file beside the overlays,
 * restored later onto fresh overlays). Files are named relative to the instance's directory of its
 * pool; only names ever leave the host, never paths.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute } from 'node:path';
import type { HypervisorDriver } from '../hypervisor/driver.js';
import { DiskChangeRefusedError } from '../hypervisor/errors.js';
import { StorageError } from '../lib/storage-errors.js';
import type { DiskFormat, ProgressFn, StorageDriver, StoragePoolSpec } from '../storage/driver.js';
import type { DiskFileInfo } from './agent-types.js';

/** Volume name of an instance's file in its pool. */
const volumeOf = (instanceId: string, file: string) => `${instanceId}/${file}`;

/** The host path of an instance's memory file: libvirt writes and reads it itself, so it must be a file here (not an nfs:// URL). */
function localPathOf(pool: StorageDriver, id: string, file: string): string {
  const path = pool.pathOf(volumeOf(id, file));
  if (!isAbsolute(path)) throw new DiskChangeRefusedError(`memory state needs the storage pool as a directory on the host; this host reaches it through QEMU's NFS driver (${path})`);
  return path;
}

/** Snapshot and merge operations on one host. */
export class DiskChains {
  constructor(
    private readonly hv: HypervisorDriver,
    private readonly pool: (spec: StoragePoolSpec) => Promise<StorageDriver>,
  ) {}

  async createOverlay(id: string, spec: StoragePoolSpec, file: string, backingFile: string): Promise<void> {
    await (await this.pool(spec)).createOverlay(volumeOf(id, file), volumeOf(id, backingFile));
  }

  async inspectFile(id: string, spec: StoragePoolSpec, file: string): Promise<DiskFileInfo> {
    const pool = await this.pool(spec);
    const info = await pool.info(volumeOf(id, file));
    const own = info.backingFile !== undefined && dirname(info.backingFile) === dirname(pool.pathOf(volumeOf(id, file)));
    return {
      virtualSizeBytes: info.virtualSizeBytes,
      actualSizeBytes: info.actualSizeBytes,
      hasBacking: info.backingFile !== undefined,
      ...(own && info.backingFile ? { backingFile: basename(info.backingFile) } : {}),
    };
  }

  async deleteFile(id: string, spec: StoragePoolSpec, file: string): Promise<void> {
    await (await this.pool(spec)).delete(volumeOf(id, file));
  }

  async pullIntoFile(id: string, spec: StoragePoolSpec, childFile: string, parentFile: string): Promise<void> {
    const pool = await this.pool(spec);
    const child = await pool.info(volumeOf(id, childFile));
    if (child.backingFile !== pool.pathOf(volumeOf(id, parentFile))) throw new StorageError(`file '${childFile}' of instance ${id} does not sit on '${parentFile}'`);
    const under = await this.under(pool, id, parentFile);
    await pool.rebase(volumeOf(id, childFile), under?.path, under?.format ?? 'qcow2');
  }

  async snapshotDisks(name: string, id: string, spec: StoragePoolSpec, overlays: { target: string; file: string }[]): Promise<{ quiesced: boolean }> {
    const pool = await this.pool(spec);
    return this.onNewOverlays(name, id, pool, overlays, [], async (paths) => {
      // The freeze is asked for only when the guest opened its agent channel: without one it could
      // only fail, and a guest that boots without an agent would wait out libvirt's agent timeout.
      if (await this.hv.guestAgentConnected(name)) {
        try {
          await this.hv.snapshotDisks(name, paths, true);
          return { quiesced: true };
        } catch (err) {
          if (!(err instanceof DiskChangeRefusedError)) throw err;
          // The agent cannot freeze (or stopped answering): crash-consistent instead.
        }
      }
      await this.hv.snapshotDisks(name, paths, false);
      return { quiesced: false };
    });
  }

  async snapshotWithMemory(name: string, id: string, spec: StoragePoolSpec, overlays: { target: string; file: string }[], memoryFile: string, onProgress?: ProgressFn): Promise<{ memoryBytes: number }> {
    const pool = await this.pool(spec);
    const memoryPath = localPathOf(pool, id, memoryFile);
    return this.onNewOverlays(name, id, pool, overlays, [memoryFile], async (paths) => {
      await this.hv.snapshotWithMemory(name, memoryPath, paths, onProgress);
      // Its size is for display only: a fake hypervisor writes no file.
      return { memoryBytes: await stat(memoryPath).then((st) => st.size, () => 0) };
    });
  }

  /**
   * Creates an overlay file on each named disk's current top, then lets `snapshot` switch the
   * running domain onto them; when anything fails, the overlays made (and `alsoRemove`) are deleted.
   */
  private async onNewOverlays<T>(name: string, id: string, pool: StorageDriver, overlays: { target: string; file: string }[], alsoRemove: string[], snapshot: (paths: { target: string; path: string }[]) => Promise<T>): Promise<T> {
    const live = await this.hv.domainDisks(name, 'live');
    const made: string[] = [];
    try {
      for (const o of overlays) {
        const disk = live.find((d) => d.target === o.target);
        if (!disk) throw new DiskChangeRefusedError(`domain '${name}' has no disk '${o.target}'`);
        await pool.createOverlay(volumeOf(id, o.file), volumeOf(id, basename(disk.path)));
        made.push(o.file);
      }
      return await snapshot(overlays.map((o) => ({ target: o.target, path: pool.pathOf(volumeOf(id, o.file)) })));
    } catch (err) {
      for (const file of [...made, ...alsoRemove]) await pool.delete(volumeOf(id, file));
      throw err;
    }
  }

  async restoreMemory(name: string, id: string, spec: StoragePoolSpec, memoryFile: string): Promise<void> {
    await this.hv.restoreFromMemory(name, localPathOf(await this.pool(spec), id, memoryFile));
  }

  /**
   * After a restart: a memory snapshot whose taker died. Its job is aborted (or let finish), then the
   * live disks tell: on the overlays, it was taken (`taken`); else its overlays and memory file are
   * deleted (`undone`).
   */
  async settleMemorySnapshot(name: string, id: string, spec: StoragePoolSpec, overlays: { target: string; file: string }[], memoryFile: string): Promise<'taken' | 'undone'> {
    const pool = await this.pool(spec);
    const running = await this.hv.findDomain(name);
    if (running && running.state !== 'shutoff') {
      await this.hv.abortJob(name);
      const live = await this.hv.domainDisks(name, 'live');
      const switched = overlays.every((o) => live.some((d) => d.target === o.target && d.path === pool.pathOf(volumeOf(id, o.file))));
      if (switched) return 'taken';
    }
    for (const file of [...overlays.map((o) => o.file), memoryFile]) await pool.delete(volumeOf(id, file));
    return 'undone';
  }

  async blockPull(name: string, id: string, spec: StoragePoolSpec, target: string, parentFile: string): Promise<void> {
    const pool = await this.pool(spec);
    const under = await this.under(pool, id, parentFile);
    await this.hv.blockPull(name, target, under?.path);
  }

  async blockCommit(name: string, id: string, spec: StoragePoolSpec, target: string, topFile: string, baseFile: string): Promise<void> {
    const pool = await this.pool(spec);
    await this.hv.blockCommit(name, target, pool.pathOf(volumeOf(id, topFile)), pool.pathOf(volumeOf(id, baseFile)));
  }

  async commitActive(name: string, id: string, spec: StoragePoolSpec, target: string, baseFile: string): Promise<void> {
    const pool = await this.pool(spec);
    await this.hv.commitActive(name, target, pool.pathOf(volumeOf(id, baseFile)));
  }

  /** The file a file of the instance sits on (its path and format), if any. */
  private async under(pool: StorageDriver, id: string, file: string): Promise<{ path: string; format: DiskFormat } | undefined> {
    const info = await pool.info(volumeOf(id, file));
    if (info.backingFile === undefined) return undefined;
    return { path: info.backingFile, format: info.backingFormat === 'raw' ? 'raw' : 'qcow2' };
  }
}
