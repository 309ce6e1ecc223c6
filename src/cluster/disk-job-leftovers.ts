/**
 * What disk jobs cut off by a restart leave in the instance directories of the host's local
 * storage pool: a compaction's `<volume>.qcow2.compact` (the rewritten copy not yet swapped in)
 * and a reset's `system.new.qcow2` (the new clone not yet swapped in). The disk itself is always
 * the old file or the new one (the swap is a rename), so these are only stray copies.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A file name a cut-off disk job leaves behind. */
export const isDiskJobLeftover = (name: string) => /^[a-z0-9-]+\.qcow2\.compact$/.test(name) || name === 'system.new.qcow2';

/** Removes the leftovers under `instancesDir` (one directory per instance); returns them as `<instance>/<file>`. Call only at start, before any job runs. */
export async function sweepDiskJobLeftovers(instancesDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const instance of await readdir(instancesDir).catch(() => [])) {
    for (const name of (await readdir(join(instancesDir, instance)).catch(() => [])).filter(isDiskJobLeftover)) {
      await rm(join(instancesDir, instance, name), { force: true });
      removed.push(`${instance}/${name}`);
    }
  }
  return removed;
}
