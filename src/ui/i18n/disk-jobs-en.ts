/**
 * The English texts of the disk work on a stopped instance (image from it, system disk reset,
 * compaction), spread into the English catalogue; disk-jobs-zh-cn.ts has the same shape.
 */

export const diskJobsEn = {
  diskJobs: {
    title: 'Image and system disk',
    mustBeStopped: 'Stop the instance first: images, resets and compaction need it stopped.',
    createImageButton: 'Create image…',
    createImage: 'Create image',
    createImageTitle: (name: string) => `Create an image from ${name}`,
    createImageHint: 'The system disk is flattened and compressed into a new image; the instance stays busy until it is done. It then appears on the images page.',
    imageName: 'Image name',
    description: 'Description',
    osType: 'Operating system',
    imageTask: (image: string, name: string) => `Create image ${image} from ${name}`,
    reset: 'Reset system disk',
    resetHint: 'Replace the system disk by a fresh copy of its image.',
    noImage: 'This instance was created with a blank disk: there is no image to reset it from.',
    resetTitle: (name: string) => `Reset the system disk of ${name}?`,
    resetMessage:
      'The system disk is replaced by a fresh copy of the image the instance was created from: everything written to it is lost. Data disks are kept as they are. cloud-init runs again at the next start (a new instance-id).',
    resetTask: (name: string) => `Reset the system disk of ${name}`,
    compact: 'Compact',
    compactHint: 'Rewrite the disk without its unused space (the instance must be stopped).',
    compactTask: (device: string, name: string) => `Compact ${device} of ${name}`,
  },
};
