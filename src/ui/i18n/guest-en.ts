/**
 * The English texts of an instance's guest panel (what its guest agent reports, the set-password
 * dialog) and of the data-disk formatting fields, spread into the English catalogue; the Chinese
 * ones in guest-zh-cn.ts have the same shape.
 */

export const guestEn = {
  guest: {
    title: 'Guest',
    agent: 'Guest agent',
    agentAvailable: 'available',
    agentUnavailable: 'unavailable',
    agentUnavailableHint: 'The guest has no qemu-guest-agent running, is still booting, or is not running: hostname, OS and password need it.',
    hostname: 'Hostname',
    os: 'Operating system',
    kernel: 'Kernel',
    unknown: 'not reported',
    setPassword: 'Set guest password',
    setPasswordTitle: (name: string) => `Set a guest password on ${name}`,
    setPasswordHint: "Sets the password of a user inside the running guest through its guest agent. Leave the user empty for the image's default user (root when the image names none).",
    username: 'Guest user — optional',
    password: 'New password',
    passwordSet: (user: string) => `The password of ${user} was set.`,
    runningOnly: 'Only a running instance with a guest agent can have its password set.',
  },
  dataDiskFormat: {
    filesystem: 'Filesystem',
    none: 'none (leave blank)',
    mountPoint: 'Mount point — optional',
    hint: 'cloud-init formats the disk at first boot (never over an existing filesystem) and mounts it; needs a system disk from an image.',
    disk: (n: number, size: string) => `Data disk ${n} (${size} GiB)`,
  },
};
