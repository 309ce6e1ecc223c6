/**
 * The English texts of an instance's snapshots panel (the tree, take, revert, delete), spread
 * into the English catalogue; snapshots-zh-cn.ts has the same shape.
 */

export const snapshotsEn = {
  snapshots: {
    title: 'Snapshots',
    empty: 'No snapshots yet.',
    hint: 'A snapshot keeps the disks as they are now (disk only, no memory). While an instance has snapshots its disks cannot be added, removed or grown.',
    name: 'Name',
    description: 'Description',
    created: 'Created',
    size: 'Size',
    quiesced: 'Quiesced',
    quiescedYes: 'yes (guest agent froze the filesystems)',
    quiescedNo: 'no',
    current: 'current',
    currentHint: 'The disks sit on this snapshot: new writes go above it.',
    take: 'Take snapshot',
    takeButton: 'Take snapshot…',
    takeTitle: (name: string) => `Take a snapshot of ${name}`,
    takeHint: 'Stopped or running: a running guest is quiesced when its agent answers.',
    takeLocked: (state: string) => `Snapshots can be taken when the instance is stopped, running or paused (it is ${state}).`,
    revert: 'Revert',
    revertLocked: 'Stop the instance first: it can only be reverted while stopped.',
    revertTitle: (snapshot: string) => `Revert to snapshot ${snapshot}?`,
    revertMessage: (name: string, snapshot: string) =>
      `The disks of ${name} go back to how they were when ${snapshot} was taken. Everything written since the current snapshot is discarded; the other snapshots are kept.`,
    deleteTitle: (snapshot: string) => `Delete snapshot ${snapshot}?`,
    deleteMessage: (snapshot: string) => `Snapshot ${snapshot} is removed; its data is merged into the files above it, so the disks as they are now stay unchanged. Merging copies data and may take a while.`,
    deleteTask: (snapshot: string, name: string) => `Delete snapshot ${snapshot} of ${name}`,
  },
};
