/** The English texts of cloning an instance, spread into the English catalogue; clone-zh-cn.ts has the same shape. */

export const cloneEn = {
  clone: {
    button: 'Clone…',
    title: (name: string) => `Clone ${name}`,
    hint: 'A new stopped instance on the same host with copies of every disk, its own MAC and address, and a new cloud-init instance-id.',
    liveHint: 'The instance keeps running: a temporary snapshot freezes its disks while they are copied and is merged back afterwards.',
    name: 'Name of the clone',
    mode: 'Disks',
    linked: 'Linked to the image (quick, small)',
    full: 'Full copies (independent of the image)',
    submit: 'Clone',
    unavailable: 'Only a stopped, running or paused instance can be cloned.',
    task: (clone: string, source: string) => `Clone ${source} as ${clone}`,
  },
};
