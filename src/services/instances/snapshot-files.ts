/** The files of an instance's snapshot tree: which volumes it has, what each writes to now, and a snapshot row as the API shows it. */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { instanceSnapshots } from '../../db/schema.js';
import type { InstanceSnapshot } from '../../shared/snapshots.js';
import { dataDiskTarget } from '../../shared/instance-states.js';
import { dataDisksOf } from './spec.js';
import type { Instance } from './store.js';

/** A snapshot row. */
export type SnapshotRow = typeof instanceSnapshots.$inferSelect;

/** The disk volumes of a row with their guest devices, system first. */
export function volumesOf(row: Instance): { volume: string; target: string }[] {
  return [{ volume: 'system', target: 'vda' }, ...dataDisksOf(row).map((d) => ({ volume: `data-${d.slot}`, target: dataDiskTarget(d.slot) }))];
}

/** The file a disk of the row writes to now. */
export const topOf = (row: Instance, volume: string) => row.diskFiles[volume] ?? `${volume}.qcow2`;

/** Whether the instance's domain runs (running or paused). */
export const isLive = (row: Instance) => row.state === 'running' || row.state === 'paused';

/** The file a snapshot's memory is saved to, beside its overlays. */
export const memoryFileOf = (snapshotId: string) => `memory.${snapshotId}.sav`;

/** Every snapshot row of an instance, oldest first, those being taken included. */
export function allSnapshotRows(db: Db, instanceId: string): SnapshotRow[] {
  return db.select().from(instanceSnapshots).where(eq(instanceSnapshots.instanceId, instanceId)).orderBy(instanceSnapshots.createdAt).all();
}

/** A snapshot as the API shows it. */
export function presentSnapshot(row: Instance, s: SnapshotRow): InstanceSnapshot {
  return {
    id: s.id, name: s.name, description: s.description, parentId: s.parentId, current: row.currentSnapshotId === s.id,
    quiesced: s.quiesced, memory: s.memoryFile !== null, memorySizeBytes: s.memorySizeBytes, disks: Object.keys(s.files), sizeBytes: s.sizeBytes, createdAt: s.createdAt,
  };
}
