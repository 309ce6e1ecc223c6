/**
 * Snapshots with the guest's memory: taking one (running only, in an operation: the guest pauses
 * while its memory is written), reverting to one (the guest comes back running where it was), and
 * settling one whose taker died.
 *
 * The row is inserted first, marked `creating` and hidden from the API, so a restart knows which
 * overlays and memory file belonged to the attempt: reconcile asks the host whether the disks switched
 * (then the snapshot is finished) or not (then its files are deleted and the row dropped). libvirt 9
 * cannot revert external snapshots, so a revert destroys the domain, puts fresh overlays on the
 * snapshot's files, redefines the domain on them and restores the memory file with that definition.
 */
import { eq } from 'drizzle-orm';
import { instanceSnapshots } from '../../db/schema.js';
import { DiskChangeRefusedError } from '../../hypervisor/errors.js';
import { AppError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { log } from '../../lib/log.js';
import type { CreateSnapshotInput } from '../../shared/snapshots.js';
import type { Actor } from '../actor.js';
import { callAgent, toAppError } from '../agent-errors.js';
import type { HostAgent } from '../../cluster/host-agent.js';
import type { Operation } from '../operations.js';
import { allSnapshotRows, isLive, memoryFileOf, topOf, volumesOf, type SnapshotRow } from './snapshot-files.js';
import type { SnapshotsDeps } from './snapshots.js';
import type { Instance } from './store.js';

/** The overlay a disk volume of a new snapshot writes to. */
const overlayOf = (volume: string, snapshotId: string) => `${volume}.${snapshotId}.qcow2`;

/** Takes, reverts to and settles snapshots with memory; InstanceSnapshots checks names and the tree. */
export class MemorySnapshots {
  constructor(private readonly deps: SnapshotsDeps) {}

  /** Refuses at once what the operation would refuse (409 snapshot_memory_needs_running). */
  check(row: Instance): void {
    if (row.state !== 'running')
      throw new AppError('snapshot_memory_needs_running', `Cannot save the memory of instance '${row.name}' while it is ${row.state}: start it (or resume it), or take a disk-only snapshot (memory: false).`, [{ field: 'memory', message: 'Only a running instance has memory to save.' }]);
    // libvirt writes and reads the memory file itself, and cannot through QEMU's NFS driver (an nfs:// URL):
    // refused here rather than as a failed operation. A host that mounts the export writes it as any file.
    const pool = this.deps.runtime.poolOf(row);
    if (pool.kind === 'nfs' && this.deps.hosts.factsOf(row.hostId)?.nfsAccess === 'qemu')
      throw new AppError('snapshot_memory_unsupported_storage', `Cannot save the memory of instance '${row.name}': its host reaches NFS export '${pool.server}:${pool.exportPath}' through the NFS driver of QEMU, where libvirt cannot write the memory file. Take a disk-only snapshot (memory: false), or let the host mount the export (a kernel NFS client and onebox serve --nfs-mode mount).`, [{ field: 'memory', message: 'The storage pool is not a directory on the host of the instance.' }]);
  }

  /** Takes the snapshot in an operation; `checkName` runs again under the instance's lock. */
  create(row: Instance, input: CreateSnapshotInput, actor: Actor, checkName: (row: Instance) => void): Operation {
    const { store, operations, audit } = this.deps;
    audit.record(actor, 'create_snapshot', 'instance', row.id, `${input.name} (with memory)`);
    return operations.start('snapshot.create', { type: 'instance', id: row.id }, actor, (ctx) =>
      store.withLock(row.id, async () => {
        const now = store.get(row.id);
        this.check(now);
        checkName(now);
        await this.take(now, input, (f) => ctx.progress(0.05 + 0.85 * f, 'Saving the guest memory'));
        ctx.progress(0.95, 'Switching the disks');
      }),
    );
  }

  private async take(row: Instance, input: CreateSnapshotInput, progress: (fraction: number) => void): Promise<void> {
    const { runtime, db } = this.deps;
    const agent = runtime.agentFor(row);
    const pool = runtime.poolOf(row);
    const id = newId('snp');
    const memoryFile = memoryFileOf(id);
    const disks = volumesOf(row).map((d) => ({ ...d, frozen: topOf(row, d.volume), next: overlayOf(d.volume, id) }));
    const snap = db
      .insert(instanceSnapshots)
      .values({ id, instanceId: row.id, name: input.name, description: input.description ?? '', parentId: row.currentSnapshotId, files: Object.fromEntries(disks.map((d) => [d.volume, d.frozen])), memoryFile, creating: true })
      .returning()
      .get();
    let memoryBytes: number;
    try {
      ({ memoryBytes } = await agent.domains.snapshotWithMemory(row.domainName, row.id, pool, disks.map((d) => ({ target: d.target, file: d.next })), memoryFile, progress));
    } catch (err) {
      db.delete(instanceSnapshots).where(eq(instanceSnapshots.id, id)).run(); // the host removed its overlays and memory file
      if (!(err instanceof DiskChangeRefusedError)) throw toAppError(err, row.name);
      log.error('a memory snapshot was refused', { instance: row.id, error: err.message });
      throw new AppError('snapshot_memory_failed', `The memory of instance '${row.name}' could not be saved in snapshot '${input.name}'; nothing changed (the server log says why). Take a disk-only snapshot (memory: false) instead.`);
    }
    await this.finish(agent, row, snap, memoryBytes);
  }

  /** The disks switched: the snapshot becomes visible and current, the definition follows the overlays. */
  private async finish(agent: HostAgent, row: Instance, snap: SnapshotRow, memoryBytes: number): Promise<void> {
    const { runtime, db, store } = this.deps;
    const pool = runtime.poolOf(row);
    const sizes = await Promise.all(Object.values(snap.files).map((f) => agent.volumes.inspectFile(row.id, pool, f).then((i) => i.actualSizeBytes, () => 0)));
    db.update(instanceSnapshots).set({ creating: false, sizeBytes: sizes.reduce((a, b) => a + b, 0), memorySizeBytes: memoryBytes }).where(eq(instanceSnapshots.id, snap.id)).run();
    const updated = store.update(row.id, { diskFiles: Object.fromEntries(volumesOf(row).map((d) => [d.volume, overlayOf(d.volume, snap.id)])), currentSnapshotId: snap.id });
    await runtime.define(agent, updated);
  }

  /** Reverts to a memory snapshot (stopped, running or paused): the guest resumes running in the saved state. */
  async revert(row: Instance, snap: SnapshotRow, actor: Actor): Promise<Instance> {
    const { runtime, store, audit } = this.deps;
    if (row.state !== 'stopped' && !isLive(row))
      throw new AppError('invalid_instance_state', `Cannot revert instance '${row.name}' to snapshot '${snap.name}' while it is ${row.state} (only when stopped, running or paused).`);
    const memoryFile = snap.memoryFile;
    if (memoryFile === null) throw new Error(`snapshot ${snap.id} has no memory`);
    const agent = runtime.agentFor(row);
    const pool = runtime.poolOf(row);
    // The disks must hold exactly what they held when the memory was saved: whatever runs now goes.
    if (isLive(row)) await callAgent(row.name, () => agent.domains.destroy(row.domainName));
    const stamp = newId('rev');
    const disks = volumesOf(row).map((d) => ({ ...d, old: topOf(row, d.volume), next: `${d.volume}.${stamp}.qcow2`, base: snap.files[d.volume] ?? `${d.volume}.qcow2` }));
    for (const d of disks) await callAgent(row.name, () => agent.volumes.createOverlay(row.id, pool, d.next, d.base));
    const updated = store.update(row.id, { diskFiles: Object.fromEntries(disks.map((d) => [d.volume, d.next])), currentSnapshotId: snap.id });
    await runtime.define(agent, updated);
    for (const d of disks) await agent.volumes.deleteFile(row.id, pool, d.old).catch((err: unknown) => log.warn('an old disk file could not be deleted', { instance: row.id, file: d.old, error: String(err) }));
    try {
      await agent.domains.restoreMemory(row.domainName, row.id, pool, memoryFile);
    } catch (err) {
      await runtime.refreshState(store.get(row.id));
      if (!(err instanceof DiskChangeRefusedError)) throw toAppError(err, row.name);
      log.error('restoring the memory of a snapshot failed', { instance: row.id, snapshot: snap.id, error: err.message });
      throw new AppError('snapshot_restore_failed', `Instance '${row.name}' could not resume from the memory of snapshot '${snap.name}' (the server log says why); its disks are back at the snapshot and it is stopped: start it to boot from them.`);
    }
    audit.record(actor, 'revert_snapshot', 'instance', row.id, `${snap.name} (memory: resumed running)`);
    return runtime.refreshState(store.get(row.id));
  }

  /** After a restart: each snapshot still marked creating is finished (its disks switched) or undone (files deleted, row dropped). */
  async settle(row: Instance): Promise<number> {
    let n = 0;
    for (const snap of allSnapshotRows(this.deps.db, row.id).filter((s) => s.creating)) {
      const agent = this.deps.runtime.agentFor(row);
      const pool = this.deps.runtime.poolOf(row);
      const overlays = volumesOf(row).map((d) => ({ target: d.target, file: overlayOf(d.volume, snap.id) }));
      const outcome = await agent.domains.settleMemorySnapshot(row.domainName, row.id, pool, overlays, snap.memoryFile ?? memoryFileOf(snap.id));
      log.warn('settling a memory snapshot cut off by a restart', { instance: row.id, snapshot: snap.id, name: snap.name, outcome });
      if (outcome === 'taken') {
        const info = await agent.volumes.inspectFile(row.id, pool, snap.memoryFile ?? memoryFileOf(snap.id)).catch(() => undefined);
        await this.finish(agent, row, snap, info?.actualSizeBytes ?? 0);
        row = this.deps.store.get(row.id);
      } else {
        this.deps.db.delete(instanceSnapshots).where(eq(instanceSnapshots.id, snap.id)).run();
      }
      n++;
    }
    return n;
  }
}
