/**
 * The English texts of an instance's disks panel, spread into the English catalogue; the Chinese
 * ones in disks-zh-cn.ts have the same shape.
 */

export const disksEn = {
  disks: {
    title: 'Disks',
    device: 'Device',
    role: 'Role',
    roleSystem: 'system',
    roleData: 'data',
    size: 'Size',
    allocated: 'Allocated on the host',
    format: 'Format',
    backing: 'Backing image',
    unknown: 'unknown',
    none: 'None',
    add: 'Add disk',
    addTitle: (name: string) => `Add a blank disk to ${name}`,
    sizeGiB: 'Size (GiB)',
    addHint: 'A running instance gets the disk at once (hot-plug); the guest still has to partition and format it.',
    grow: 'Grow',
    growTitle: (device: string) => `Grow disk ${device}`,
    growHint: (current: string) => `Now ${current}. Disks only grow; the guest must still grow its partition and filesystem.`,
    remove: 'Remove',
    removeTitle: (device: string) => `Remove disk ${device}?`,
    removeMessage: (device: string) => `Disk ${device} is detached from the instance and its data is deleted; this cannot be undone. A running guest must let go of it first.`,
    locked: (state: string) => `Disks cannot be changed while the instance is ${state}.`,
    tooMany: 'The instance already has 8 data disks.',
  },
};
