/**
 * The English texts of an instance's snapshots panel (the tree, take, revert, delete), spread
 * into the English catalogue; snapshots-zh-cn.ts has the same shape.
 */

export const snapshotsEn = {
  snapshots: {
    title: 'Snapshots',
    empty: 'No snapshots yet.',
    hint: 'A snapshot keeps the disks as they are now; with "Include memory" (running guests) also the guest\'s memory, so a revert resumes it where it was. While an instance has snapshots its disks cannot be added, removed or grown.',
    name: 'Name',
    description: 'Description',
    created: 'Created',
    size: 'Size',
    quiesced: 'Quiesced',
    quiescedYes: 'yes (guest agent froze the filesystems)',
    quiescedNo: 'no',
    memory: 'Memory',
    memoryYes: (size: string) => `saved (${size})`,
    memoryNo: 'no (disk only)',
    includeMemory: 'Include memory',
    includeMemoryHint: 'The guest pauses while its memory is written beside the disks; reverting resumes it running right where it was.',
    includeMemoryLocked: 'Only a running guest has memory to save.',
    takeTask: (snapshot: string, name: string) => `Snapshot ${snapshot} of ${name} with memory`,
    current: 'current',
    currentHint: 'The disks sit on this snapshot: new writes go above it.',
    take: 'Take snapshot',
    takeButton: 'Take snapshot…',
    takeTitle: (name: string) => `Take a snapshot of ${name}`,
    takeHint: 'Stopped or running: a running guest is quiesced when its agent answers.',
    takeLocked: (state: string) => `Snapshots can be taken when the instance is stopped, running or paused (it is ${state}).`,
    revert: 'Revert',
    revertLocked: 'Stop the instance first: a disk-only snapshot can only be reverted while stopped.',
    revertTitle: (snapshot: string) => `Revert to snapshot ${snapshot}?`,
    revertMessage: (name: string, snapshot: string) =>
      `The disks of ${name} go back to how they were when ${snapshot} was taken. Everything written since the current snapshot is discarded; the other snapshots are kept.`,
    revertMemoryMessage: (name: string, snapshot: string) =>
      `${name} goes back to the moment ${snapshot} was taken, memory included: whatever runs now is stopped, and the guest resumes running in the saved state (no reboot). Everything written since the current snapshot is discarded; the other snapshots are kept.`,
    deleteTitle: (snapshot: string) => `Delete snapshot ${snapshot}?`,
    deleteMessage: (snapshot: string) => `Snapshot ${snapshot} is removed; its data is merged into the files above it, so the disks as they are now stay unchanged. Merging copies data and may take a while.`,
    deleteTask: (snapshot: string, name: string) => `Delete snapshot ${snapshot} of ${name}`,
  },
};
