/**
 * Snapshots of an instance as external qcow2 overlays; onebox's database holds the tree.
 *
 * Each snapshot owns the files its disks were frozen in; the instance's disks write to overlays on
 * the current snapshot's files (`instances.disk_files`). Taking one: stopped, the host makes the
 * overlays with qemu-img and the definition is rebuilt from the row (one code path for every
 * driver, no libvirt snapshot metadata to keep in step); running, libvirt switches the disks to the
 * overlays live (disk-only, atomic, quiesced when the guest agent answers). Reverting (stopped)
 * puts fresh overlays on the chosen snapshot's files. Deleting merges the snapshot's files into
 * the one file above them (qemu-img rebase stopped; block pull or block commit running); a
 * snapshot with two files above it (a branch point) is refused with the children named, since
 * merging into one branch would change the other. Snapshots with the guest's memory (a memory file
 * beside the overlays; reverting resumes the guest) are in memory-snapshots.ts; deleting one merges
 * as any other and deletes its memory file.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { instanceSnapshots } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { log } from '../../lib/log.js';
import type { CreateSnapshotInput, InstanceSnapshot } from '../../shared/snapshots.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import type { HostsService } from '../hosts.js';
import type { Operation, OperationsService } from '../operations.js';
import { MemorySnapshots } from './memory-snapshots.js';
import type { InstanceRuntime } from './runtime.js';
import { allSnapshotRows, isLive, presentSnapshot, topOf, volumesOf, type SnapshotRow } from './snapshot-files.js';
import type { Instance, InstanceStore } from './store.js';

export type { SnapshotRow };

/** What the snapshot module needs. */
export interface SnapshotsDeps {
  db: Db;
  store: InstanceStore;
  runtime: InstanceRuntime;
  operations: OperationsService;
  audit: AuditService;
  /** What each host last reported (memory snapshots need the pool as a directory of the instance's host). */
  hosts: Pick<HostsService, 'factsOf'>;
}

/** Whether an instance has snapshots (disk add, remove and grow are refused then). */
export function hasSnapshots(db: Db, instanceId: string): boolean {
  return db.select({ id: instanceSnapshots.id }).from(instanceSnapshots).where(eq(instanceSnapshots.instanceId, instanceId)).get() !== undefined;
}

/** Lists, takes, reverts to and deletes snapshots. */
export class InstanceSnapshots {
  private readonly memory: MemorySnapshots;

  constructor(private readonly deps: SnapshotsDeps) {
    this.memory = new MemorySnapshots(deps);
  }

  /** The tree, oldest first, the current one marked. */
  list(idOrName: string): InstanceSnapshot[] {
    const row = this.deps.store.get(idOrName);
    return this.rows(row.id).map((s) => presentSnapshot(row, s));
  }

  /** One snapshot by id or name (404 snapshot_not_found). */
  get(idOrName: string, snapshotId: string): InstanceSnapshot {
    const row = this.deps.store.get(idOrName);
    return presentSnapshot(row, this.snapshotOf(row, snapshotId));
  }

  /** Takes a snapshot of every disk (stopped or running); with memory see createWithMemory. */
  async create(idOrName: string, input: CreateSnapshotInput, actor: Actor): Promise<InstanceSnapshot> {
    return this.locked(idOrName, async (row) => {
      if (row.state !== 'stopped' && !isLive(row))
        throw new AppError('invalid_instance_state', `Cannot snapshot instance '${row.name}' while it is ${row.state} (only when stopped, running or paused).`);
      this.refuseTakenName(row, input.name);
      const { runtime } = this.deps;
      const agent = runtime.agentFor(row);
      const pool = runtime.poolOf(row);
      const id = newId('snp');
      const disks = volumesOf(row).map((d) => ({ ...d, frozen: topOf(row, d.volume), next: `${d.volume}.${id}.qcow2` }));
      let quiesced = false;
      if (isLive(row)) {
        ({ quiesced } = await callAgent(row.name, () => agent.domains.snapshotDisks(row.domainName, row.id, pool, disks.map((d) => ({ target: d.target, file: d.next })))));
      } else {
        for (const d of disks) await callAgent(row.name, () => agent.volumes.createOverlay(row.id, pool, d.next, d.frozen));
      }
      const sizes = await Promise.all(disks.map((d) => agent.volumes.inspectFile(row.id, pool, d.frozen).then((i) => i.actualSizeBytes, () => 0)));
      const snap = this.deps.db.transaction((tx) => {
        const inserted = tx
          .insert(instanceSnapshots)
          .values({ id, instanceId: row.id, name: input.name, description: input.description ?? '', parentId: row.currentSnapshotId, quiesced, files: Object.fromEntries(disks.map((d) => [d.volume, d.frozen])), sizeBytes: sizes.reduce((a, b) => a + b, 0) })
          .returning()
          .get();
        return inserted;
      });
      const updated = this.deps.store.update(row.id, { diskFiles: Object.fromEntries(disks.map((d) => [d.volume, d.next])), currentSnapshotId: id });
      // Live, the hypervisor points the definition at the overlays along with the running disks (the
      // driver contract checks it), so no redefinition waits in the guest's way. Stopped, it is
      // rebuilt: libvirt's autostart at host boot would otherwise write into the snapshot's files.
      if (!isLive(row)) await this.redefine(updated);
      this.deps.audit.record(actor, 'create_snapshot', 'instance', row.id, `${input.name}${isLive(row) ? (quiesced ? ' (live, quiesced)' : ' (live)') : ''}`);
      return presentSnapshot(updated, snap);
    });
  }

  /** Takes a snapshot of every disk with the guest's memory (running only), in an operation (the memory is written while the guest is paused). */
  createWithMemory(idOrName: string, input: CreateSnapshotInput, actor: Actor): Operation {
    const row = this.deps.store.get(idOrName);
    this.memory.check(row);
    this.refuseTakenName(row, input.name);
    this.deps.runtime.agentFor(row); // refuse at once (503) while the host is offline
    return this.memory.create(row, input, actor, (now) => this.refuseTakenName(now, input.name));
  }

  /**
   * Points the disks at fresh overlays on the snapshot's files; later snapshots stay. Disk-only:
   * stopped only, it stays stopped. With memory: from any settled state, the guest resumes running.
   */
  async revert(idOrName: string, snapshotId: string, actor: Actor): Promise<InstanceSnapshot> {
    return this.locked(idOrName, async (row) => {
      const snap = this.snapshotOf(row, snapshotId);
      if (snap.memoryFile !== null) return presentSnapshot(await this.memory.revert(row, snap, actor), snap);
      if (row.state !== 'stopped') throw new AppError('instance_must_be_stopped', `Stop instance '${row.name}' before reverting it to snapshot '${snap.name}' (it is ${row.state}).`);
      const agent = this.deps.runtime.agentFor(row);
      const pool = this.deps.runtime.poolOf(row);
      const stamp = newId('rev');
      const disks = volumesOf(row).map((d) => ({ ...d, old: topOf(row, d.volume), next: `${d.volume}.${stamp}.qcow2`, base: snap.files[d.volume] ?? `${d.volume}.qcow2` }));
      for (const d of disks) await callAgent(row.name, () => agent.volumes.createOverlay(row.id, pool, d.next, d.base));
      const updated = this.deps.store.update(row.id, { diskFiles: Object.fromEntries(disks.map((d) => [d.volume, d.next])), currentSnapshotId: snap.id });
      await this.redefine(updated);
      // What was written since the last snapshot is discarded, as a revert means.
      for (const d of disks) await agent.volumes.deleteFile(row.id, pool, d.old).catch((err: unknown) => log.warn('an old disk file could not be deleted', { instance: row.id, file: d.old, error: String(err) }));
      this.deps.audit.record(actor, 'revert_snapshot', 'instance', row.id, snap.name);
      return presentSnapshot(updated, snap);
    });
  }

  /** Deletes a snapshot, merging its files into the one above (an operation: merges copy data). */
  delete(idOrName: string, snapshotId: string, actor: Actor): Operation {
    const row = this.deps.store.get(idOrName);
    const snap = this.snapshotOf(row, snapshotId);
    this.refuseBranchPoint(row, snap);
    this.deps.runtime.agentFor(row); // refuse at once (503) while the host is offline
    this.deps.audit.record(actor, 'delete_snapshot', 'instance', row.id, snap.name);
    return this.deps.operations.start('snapshot.delete', { type: 'instance', id: row.id }, actor, async (ctx) => {
      await this.deps.store.withLock(row.id, async () => {
        const now = this.deps.store.get(row.id);
        const fresh = this.snapshotOf(now, snap.id);
        this.refuseBranchPoint(now, fresh);
        this.setDeleting(fresh.id, true);
        try {
          await this.merge(now, fresh, (f, m) => ctx.progress(f, m));
        } catch (err) {
          // Nothing merged yet: the snapshot is as before. Else the mark stays, and a retry or the next start completes it.
          if (!(await this.mergedSomewhere(now, fresh).catch(() => true))) this.setDeleting(fresh.id, false);
          throw err;
        }
      });
    });
  }

  /** Merges the snapshot's files away, disk by disk, then drops it from the tree and deletes what no file uses any more. */
  private async merge(row: Instance, snap: SnapshotRow, progress: (f: number, m?: string) => void): Promise<void> {
    const { runtime, db, store } = this.deps;
    const agent = runtime.agentFor(row);
    const pool = runtime.poolOf(row);
    const all = this.rows(row.id);
    const child = all.find((s) => s.parentId === snap.id);
    const isCurrent = row.currentSnapshotId === snap.id;
    const activeChain = new Set(this.ancestry(row));
    // Block commit of the child's files (running, child on the running chain) rebases the one file
    // above them: the child must not be a branch point itself, or the other branch would lose its base.
    const grandchildren = child ? all.filter((s) => s.parentId === child.id) : [];
    const commitMode = isLive(row) && child !== undefined && activeChain.has(child.id);
    if (commitMode && grandchildren.length + (row.currentSnapshotId === child.id ? 1 : 0) > 1)
      throw new AppError('instance_must_be_stopped', `Stop instance '${row.name}' to delete snapshot '${snap.name}': snapshot '${child.name}' above it is a branch point, which only a stopped merge keeps intact.`);
    /** The file sitting on the child's file of a volume (the child's one child, or the disk's active file). */
    const onChild = (volume: string) => (child && row.currentSnapshotId === child.id ? topOf(row, volume) : grandchildren[0]?.files[volume]);
    const disks = volumesOf(row);
    const obsolete: string[] = [];
    const childFiles = { ...(child?.files ?? {}) };
    for (const [i, d] of disks.entries()) {
      progress(i / disks.length, `Merging disk ${d.target}`);
      const own = snap.files[d.volume];
      if (!own) continue;
      const above = isCurrent ? topOf(row, d.volume) : child?.files[d.volume];
      if (!above) {
        obsolete.push(own); // nothing sits on it (a leaf left by a revert): no data to keep
        continue;
      }
      const next = child ? onChild(d.volume) : undefined;
      if (next && next !== above && (await callAgent(row.name, () => agent.volumes.inspectFile(row.id, pool, next))).backingFile === own) {
        childFiles[d.volume] = own; // committed already (by an earlier, interrupted delete): `above` is out of the chain
        obsolete.push(above);
        continue;
      }
      const info = await callAgent(row.name, () => agent.volumes.inspectFile(row.id, pool, above));
      if (info.backingFile !== own) {
        // Merged already by an earlier, interrupted delete: `above` was pulled onto what `own` sits on.
        const under = await callAgent(row.name, () => agent.volumes.inspectFile(row.id, pool, own)).catch(() => undefined);
        if (under && (under.backingFile !== info.backingFile || under.hasBacking !== info.hasBacking))
          throw new AppError('storage_error', `Disk ${d.target} of instance '${row.name}': file '${above}' does not sit on snapshot '${snap.name}' ('${own}') nor on what is below it; the chain is not as recorded.`);
        obsolete.push(own);
        continue;
      }
      if (isLive(row) && isCurrent) {
        await callAgent(row.name, () => agent.domains.blockPull(row.domainName, row.id, pool, d.target, own));
        obsolete.push(own);
      } else if (commitMode) {
        // `above` is a read-only file of the running chain: only QEMU may change it, by committing it down.
        await callAgent(row.name, () => agent.domains.blockCommit(row.domainName, row.id, pool, d.target, above, own));
        childFiles[d.volume] = own;
        obsolete.push(above);
      } else {
        await callAgent(row.name, () => agent.volumes.pullIntoFile(row.id, pool, above, own));
        obsolete.push(own);
      }
    }
    if (snap.memoryFile) obsolete.push(snap.memoryFile); // the memory goes with the disk state it belongs to
    db.transaction((tx) => {
      if (child) tx.update(instanceSnapshots).set({ files: childFiles }).where(eq(instanceSnapshots.id, child.id)).run();
      tx.update(instanceSnapshots).set({ parentId: snap.parentId }).where(and(eq(instanceSnapshots.instanceId, row.id), eq(instanceSnapshots.parentId, snap.id))).run();
      tx.delete(instanceSnapshots).where(eq(instanceSnapshots.id, snap.id)).run();
    });
    if (isCurrent) store.update(row.id, { currentSnapshotId: snap.parentId });
    progress(0.95, 'Deleting merged files');
    for (const file of obsolete) await agent.volumes.deleteFile(row.id, pool, file).catch((err: unknown) => log.warn('a merged disk file could not be deleted', { instance: row.id, file, error: String(err) }));
  }

  /**
   * After a restart: a snapshot delete cut off midway (its operation is marked failed) may have
   * merged some disks (qemu-img or QEMU's block job may even have finished after onebox died).
   * For each snapshot marked deleting whose files are merged on any disk, the delete is completed,
   * so the tree matches the files; one merged on none stays as it was (the mark is cleared). The
   * mark says which snapshot was going: a pull of the child and a commit into the parent leave the
   * same files behind.
   */
  async reconcileHost(hostId: string): Promise<number> {
    let done = 0;
    for (const row of this.deps.store.listOnHost(hostId)) {
      done += await this.deps.store.withLock(row.id, () => this.memory.settle(this.deps.store.get(row.id)));
      for (const snap of this.rows(row.id).filter((s) => s.deleting)) {
        const merged = await this.mergedSomewhere(row, snap).catch(() => false);
        if (!merged) {
          this.setDeleting(snap.id, false);
          continue;
        }
        log.warn('completing a snapshot delete cut off by a restart', { instance: row.id, snapshot: snap.id, name: snap.name });
        await this.deps.store.withLock(row.id, () => this.merge(this.deps.store.get(row.id), snap, () => {}));
        done++;
      }
    }
    return done;
  }

  /** Whether any disk of the snapshot no longer has a file sitting on the snapshot's file (a merge got that far). */
  private async mergedSomewhere(row: Instance, snap: SnapshotRow): Promise<boolean> {
    const agent = this.deps.runtime.agentFor(row);
    const pool = this.deps.runtime.poolOf(row);
    const all = this.rows(row.id);
    const child = all.find((s) => s.parentId === snap.id);
    const isCurrent = row.currentSnapshotId === snap.id;
    if (!child && !isCurrent) return false;
    const grandchild = child && all.find((s) => s.parentId === child.id);
    const backingOf = (file: string | undefined) => (file ? agent.volumes.inspectFile(row.id, pool, file).then((i) => i.backingFile, () => undefined) : Promise.resolve(undefined));
    for (const d of volumesOf(row)) {
      const own = snap.files[d.volume];
      const above = isCurrent ? topOf(row, d.volume) : child?.files[d.volume];
      if (!own || !above) continue;
      if ((await backingOf(above)) !== own) return true; // pulled
      const next = child && row.currentSnapshotId === child.id ? topOf(row, d.volume) : grandchild?.files[d.volume];
      if (next && (await backingOf(next)) === own) return true; // committed
    }
    return false;
  }

  private setDeleting(id: string, on: boolean): void {
    this.deps.db.update(instanceSnapshots).set({ deleting: on }).where(eq(instanceSnapshots.id, id)).run();
  }

  /** A snapshot with two or more files above it cannot be merged into one of them without changing the other. */
  private refuseBranchPoint(row: Instance, snap: SnapshotRow): void {
    const children = this.rows(row.id).filter((s) => s.parentId === snap.id);
    const above = children.length + (row.currentSnapshotId === snap.id ? 1 : 0);
    if (above > 1)
      throw new AppError(
        'snapshot_has_children',
        `Snapshot '${snap.name}' of instance '${row.name}' is a branch point (${[...children.map((c) => `'${c.name}'`), ...(row.currentSnapshotId === snap.id ? ['the current disks'] : [])].join(' and ')} sit on it); delete ${children.length > 1 ? 'all but one of its child snapshots' : `'${children[0]?.name}' or revert elsewhere`} first.`,
      );
  }

  /** The current snapshot and its ancestors: the files of the running chain. */
  private ancestry(row: Instance): string[] {
    const byId = new Map(this.rows(row.id).map((s) => [s.id, s]));
    const out: string[] = [];
    for (let s = row.currentSnapshotId ? byId.get(row.currentSnapshotId) : undefined; s; s = s.parentId ? byId.get(s.parentId) : undefined) out.push(s.id);
    return out;
  }

  /** The tree: snapshots being taken (with memory) are not part of it yet. */
  private rows(instanceId: string): SnapshotRow[] {
    return allSnapshotRows(this.deps.db, instanceId).filter((s) => !s.creating);
  }

  /** Names are unique per instance, a snapshot being taken included. */
  private refuseTakenName(row: Instance, name: string): void {
    if (allSnapshotRows(this.deps.db, row.id).some((s) => s.name === name))
      throw new AppError('snapshot_name_taken', `Instance '${row.name}' already has a snapshot named '${name}'.`, [{ field: 'name', message: 'Another snapshot of this instance has this name.' }]);
  }

  private snapshotOf(row: Instance, idOrName: string): SnapshotRow {
    const snap = this.rows(row.id).find((s) => s.id === idOrName || s.name === idOrName);
    if (!snap) throw new AppError('snapshot_not_found', `Instance '${row.name}' has no snapshot '${idOrName}'.`);
    return snap;
  }

  /** The definition follows the row's disk files. */
  private async redefine(row: Instance): Promise<void> {
    await this.deps.runtime.define(this.deps.runtime.agentFor(row), row);
  }

  private async locked<T>(idOrName: string, work: (row: Instance) => Promise<T>): Promise<T> {
    const { store } = this.deps;
    const id = store.get(idOrName).id;
    return store.withLock(id, async () => work(store.get(id)));
  }
}
