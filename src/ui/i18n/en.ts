/**
 * The English catalogue: every text the UI shows, by place. The Chinese catalogue has the same
 * shape (the type checker holds them together). Functions build sentences with numbers and
 * names, so plural forms live here too.
 */

/** A translation of an API error from the names it quotes, or undefined to keep the API's sentence. */
export type ProblemTranslation = (quoted: string[], detail: string) => string | undefined;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const en = {
  languageName: 'English',
  app: {
    name: 'onebox',
    loading: 'Loading…',
  },
  common: {
    cancel: 'Cancel',
    create: 'Create',
    creating: 'Creating…',
    delete: 'Delete',
    working: 'Working…',
    none: 'none',
    optional: 'optional',
    close: 'Close',
    yes: 'yes',
    no: 'no',
  },
  nav: {
    main: 'Main',
    menu: 'Menu',
    dashboard: 'Dashboard',
    instances: 'Instances',
    images: 'Images',
    media: 'Media',
    hosts: 'Hosts',
    pools: 'Pools',
  },
  count: {
    cores: (n: number) => plural(n, 'core', 'cores'),
    vcpus: (n: number) => plural(n, 'vCPU', 'vCPUs'),
    instances: (n: number) => plural(n, 'instance', 'instances'),
    hosts: (n: number) => plural(n, 'host', 'hosts'),
    pools: (n: number) => plural(n, 'pool', 'pools'),
    sshKeys: (n: number) => plural(n, 'SSH key', 'SSH keys'),
  },
  create: {
    title: 'New instance',
    name: 'Name',
    namePlaceholder: 'web-1',
    pool: 'Pool',
    cores: 'Cores',
    memory: 'Memory (MiB)',
    systemDisk: 'System disk',
    sourceBlank: 'Blank',
    sourceImage: 'From an image',
    sourceCloudInit: 'Image with cloud-init',
    image: 'Image',
    noImageYet: 'No image uploaded yet',
    copy: 'Copy',
    linkedClone: 'Linked clone (instant)',
    fullCopy: 'Full copy',
    diskSize: 'Disk size (GiB)',
    diskSizeOptional: 'Disk size (GiB) — optional',
    imageSize: (gib: number) => `${gib} (the image's size)`,
    dataDisks: 'Data disks (GiB, comma-separated) — optional',
    dataDisksPlaceholder: 'e.g. 20, 100',
    iso: 'ISO to attach',
    isoNone: 'None',
    autostart: 'Start when the host starts',
    start: 'Start after creating',
    blankNoIso: 'A blank disk with no ISO has nothing to boot from: the instance would stop at "No bootable device". Attach an ISO to install from, or pick an image.',
    blankNoIsoConfirm: 'Create an empty instance anyway (I will insert an ISO later)',
    blankNoIsoRequired: 'Tick the box above to create an instance that cannot boot yet.',
    nothingToInstall: 'There is nothing to install from yet: upload a disk image (or an ISO) first.',
    uploadImage: 'Upload a disk image',
    uploadIso: 'Upload an ISO',
    task: (name: string) => `Creating ${name}`,
    cloudInitLegend: 'Cloud-init (the hostname is the instance name)',
    ciPassword: "Password of the image's default user (root when it has none) — optional",
    sshKeys: 'SSH public keys, one per line — optional',
    sshKeysPlaceholder: 'ssh-ed25519 AAAA… you@laptop',
    userData: "Your user-data (#cloud-config or a #! script), merged with onebox's — optional",
  },
  instances: {
    title: 'Instances',
    newInstance: 'New instance',
    empty: 'No instances yet.',
    createFirst: 'Create the first instance',
    emptyNeedsImage: 'No instances yet. An instance starts from a disk image (or installs from an ISO): upload one first.',
  },
  upload: {
    formLabel: 'Upload',
    titleImage: 'Upload a disk image (qcow2 or raw)',
    titleIso: 'Upload an ISO',
    file: 'File',
    name: 'Name',
    os: 'OS (optional)',
    osPlaceholder: 'linux',
    upload: 'Upload',
    chooseFile: 'Choose a file to upload.',
    progressLabel: 'Upload progress',
    progress: (loaded: string, total: string, rate: string) => `${loaded} of ${total} · ${rate}`,
    checking: 'checking the file…',
    task: (name: string) => `Uploading ${name}`,
    done: (name: string) => `Uploaded ${name}`,
  },
  activity: {
    label: 'Activity',
    done: 'done',
    failed: 'failed',
    dismiss: 'Dismiss',
  },
  titles: {
    suffix: 'onebox',
    login: 'Log in',
    setup: 'Set up',
  },
  /** Sentences of the shared schemas and other fixed English sentences of the server, by their English text. */
  sentences: {} as Record<string, string>,
  /** API errors by their stable code; codes missing here show the API's English sentence. */
  apiErrors: {} as Record<string, ProblemTranslation | undefined>,
};

/** The shape every catalogue has. */
export type Catalogue = typeof en;
