/** Instances: request schemas (create, ISO, consoles) and response shapes. */
import * as z from 'zod';
import type { InstanceState } from './instance-states.js';
import { parseIpv4 } from './ipv4.js';
import type { Nic } from './networks.js';
import type { Accepted } from './operations.js';
import { passwordSchema } from './auth.js';
import { qosSchema, type InstanceQos } from './qos.js';

/** Instance names become guest hostnames: letters, digits and '-', not starting or ending with '-'. */
export const instanceNameSchema = z
  .string()
  .min(1, 'The name must not be empty.')
  .max(63, 'The name must have at most 63 characters (a hostname label).')
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, 'The name may contain only letters, digits and "-", and must not start or end with "-".');

/** Where an instance's system disk comes from. */
export const systemDiskSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('image'),
      imageId: z.string().min(1),
      /** Disk size in GiB; default: the image's virtual size. */
      sizeGiB: z.number().int().min(1).max(64 * 1024).optional(),
      /** linked: qcow2 overlay on the image (instant); full: an independent copy. */
      clone: z.enum(['linked', 'full']).default('linked'),
    })
    .strict(),
  z.object({ source: z.literal('blank'), sizeGiB: z.number().int().min(1).max(64 * 1024) }).strict(),
]);

/** One SSH public key: a single line such as `ssh-ed25519 AAAA... comment`. */
export const sshPublicKeySchema = z
  .string()
  .trim()
  .max(8192, 'An SSH key must be at most 8 KiB.')
  .regex(/^(?:ssh-|ecdsa-|sk-)[^\r\n]+$/, 'An SSH key is one line starting with ssh-, ecdsa- or sk- (e.g. "ssh-ed25519 AAAA... you@host").');

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

/** cloud-init options of a new instance (its system disk must come from an image). */
/** The first line of a cloud-config document (and not #cloud-config-archive or the like). */
export const CLOUD_CONFIG_HEADER = /^#cloud-config[ \t]*(\r?\n|$)/;

export const cloudInitSchema = z
  .object({
    /** Password of the image's default user (root when it has none). */
    password: passwordSchema.optional(),
    sshAuthorizedKeys: z.array(sshPublicKeySchema).max(20, 'Give at most 20 SSH keys.').optional(),
    /** Your own user-data, merged with onebox's: a #cloud-config document or a #! script. */
    userData: z
      .string()
      .refine((s) => utf8Bytes(s) <= 64 * 1024, 'User data must be at most 64 KiB.')
      .refine((s) => CLOUD_CONFIG_HEADER.test(s) || s.startsWith('#!'), 'User data must start with a #cloud-config line or #! (a script).')
      .optional(),
  })
  .strict();

/** An IPv4 address field (`what` names it in the message). */
export const ipv4Schema = (what: string) => z.string().refine((s) => parseIpv4(s) !== undefined, `${what} must be an IPv4 address like 192.168.1.10.`);

export const macSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .refine((s) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(s), 'A MAC address looks like 52:54:00:12:34:56.')
  .refine((s) => (parseInt(s.slice(0, 2), 16) & 1) === 0, 'A MAC address must be unicast (the first byte even).');

/** A NIC asked for at create time or added later. */
export const nicRequestSchema = z
  .object({
    /** Network id or name; default: the compute pool's network. */
    network: z.string().min(1).optional(),
    mac: macSchema.optional(),
    /** A fixed address from the network's address pool (must be free and inside a range). */
    address: ipv4Schema('The address').optional(),
  })
  .strict();

export type NicRequest = z.infer<typeof nicRequestSchema>;

const coresSchema = z.number().int().min(1, 'An instance needs at least 1 core.').max(128, 'An instance can have at most 128 cores.');
const memorySchema = z.number().int().min(64, 'An instance needs at least 64 MiB of memory.').max(4 * 1024 * 1024, 'An instance can have at most 4194304 MiB (4 TiB) of memory.');

/** What an instance says about itself (free text, shown on its page). */
export const descriptionSchema = z.string().max(1000, 'The description must have at most 1000 characters.');

/** Directories a data disk must not be mounted on: the guest's own system. */
const SYSTEM_DIRS = new Set(['/', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/root', '/run', '/sbin', '/sys', '/usr', '/var']);

/** Where cloud-init mounts a data disk: an absolute, plain path outside the guest's system directories. */
export const mountPointSchema = z
  .string()
  .max(200, 'A mount point must have at most 200 characters.')
  .regex(/^\/[A-Za-z0-9._/-]*$/, 'A mount point is an absolute path of letters, digits, ".", "_", "-" and "/", like /data.')
  .refine((p) => !p.split('/').slice(1).some((seg) => seg === '' || seg === '.' || seg === '..') || p === '/', 'A mount point has no empty, "." or ".." parts (no "//", no trailing "/").')
  .refine((p) => !SYSTEM_DIRS.has(p), 'That is a system directory of the guest (/, /etc, /usr, /var, …); mount data disks elsewhere, like /data.');

/** A data disk asked for at create: its size and, optionally, a filesystem cloud-init makes and where it mounts it. */
export const dataDiskRequestSchema = z
  .object({
    sizeGiB: z.number().int().min(1).max(64 * 1024),
    /** cloud-init formats the whole disk with it at first boot (never over an existing filesystem). */
    filesystem: z.enum(['ext4', 'xfs'], 'The filesystem must be ext4 or xfs.').optional(),
    /** cloud-init mounts the filesystem there (fstab, nofail); needs `filesystem`. */
    mountPoint: mountPointSchema.optional(),
  })
  .strict()
  .refine((d) => d.mountPoint === undefined || d.filesystem !== undefined, { path: ['mountPoint'], message: 'A mount point needs a filesystem (ext4 or xfs) to mount.' });

/** Create an instance. */
export const createInstanceSchema = z
  .object({
    name: instanceNameSchema,
    pool: z.string().min(1).default('default'),
    /** Place it on this host (id or name) of the pool instead of the scheduler's choice; the host is still checked. */
    hostId: z.string().min(1).optional(),
    cores: coresSchema,
    memoryMiB: memorySchema,
    /** Most cores the instance can have while it runs (vCPU hot-plug); default: `cores`. */
    maxCores: coresSchema.optional(),
    /** Most memory the instance can have while it runs (balloon); default: `memoryMiB`. */
    maxMemoryMiB: memorySchema.optional(),
    description: descriptionSchema.default(''),
    disk: systemDiskSchema,
    /** Extra blank disks, attached as vdb, vdc, ... */
    dataDisks: z
      .array(dataDiskRequestSchema)
      .max(8, 'An instance can have at most 8 data disks.')
      .superRefine((disks, ctx) => {
        const seen = new Set<string>();
        disks.forEach((d, i) => {
          if (d.mountPoint === undefined) return;
          if (seen.has(d.mountPoint)) ctx.addIssue({ code: 'custom', path: [i, 'mountPoint'], message: `Mount point ${d.mountPoint} is given to another data disk already.` });
          seen.add(d.mountPoint);
        });
      })
      .default([]),
    /** NoCloud seed (hostname = name, password, SSH keys, user data); needs a disk from an image. */
    cloudInit: cloudInitSchema.optional(),
    /** NICs, in order; default: one on the compute pool's network. [] for none. */
    nics: z.array(nicRequestSchema).max(8, 'An instance can have at most 8 NICs.').optional(),
    /** ISO to put in the CD-ROM drive at creation. */
    mediaId: z.string().min(1).optional(),
    autostart: z.boolean().default(false),
    /** CPU priority and disk/network limits; default: medium, no limits. */
    qos: qosSchema.optional(),
    /** Start the instance once it is created. */
    start: z.boolean().default(false),
    /** The group that will own it (id or name); default: the caller's only group, else the default group. */
    groupId: z.string().min(1).max(64).optional(),
  })
  .strict();

/**
 * Change an instance (PATCH). Stopped: any field. Running: name, autostart and description
 * always; cores and memory live up to the maximums fixed at create. A new name becomes the
 * guest's hostname only when cloud-init runs again.
 */
export const updateInstanceSchema = z
  .object({
    name: instanceNameSchema.optional(),
    cores: coresSchema.optional(),
    memoryMiB: memorySchema.optional(),
    autostart: z.boolean().optional(),
    description: descriptionSchema.optional(),
    /** The whole QoS (limits left out are lifted); live when running. */
    qos: qosSchema.optional(),
  })
  .strict()
  .refine((o) => Object.values(o).some((v) => v !== undefined), 'Give at least one of name, cores, memoryMiB, autostart, description or qos.');

export type UpdateInstanceInput = z.infer<typeof updateInstanceSchema>;

/** Start an instance from an ISO (boots the CD-ROM first). */
export const startFromIsoSchema = z.object({ mediaId: z.string().min(1) }).strict();

/** Insert an ISO into an instance's CD-ROM drive. */
export const insertMediaSchema = startFromIsoSchema;

/** Ask for a console token. */
export const consoleTokenSchema = z.object({ kind: z.enum(['vnc', 'serial']) }).strict();

export type CreateInstanceInput = z.infer<typeof createInstanceSchema>;
export type CloudInitInput = z.infer<typeof cloudInitSchema>;
export type SystemDiskInput = z.infer<typeof systemDiskSchema>;

/** An instance as the API shows it (the VNC password has its own endpoint). */
export interface Instance {
  id: string;
  name: string;
  /** The group that owns it. */
  groupId: string;
  poolId: string;
  hostId: string;
  cores: number;
  memoryMiB: number;
  /** Most cores and memory it can have while running (fixed at create; a stopped change above them raises them). */
  maxCores: number;
  maxMemoryMiB: number;
  description: string;
  /** CPU priority and disk/network limits (medium and none unless set). */
  qos: InstanceQos;
  diskSizeBytes: number;
  /** Extra blank disks; the one in `slot` is volume data-<slot> on device vdb + slot (see GET /instances/:id/disks). */
  dataDisks: { sizeBytes: number; slot: number; filesystem?: 'ext4' | 'xfs'; mountPoint?: string }[];
  /** What cloud-init was given (never the password or the user-data themselves). */
  cloudInit: { passwordSet: boolean; sshAuthorizedKeys: string[]; userDataSet: boolean } | null;
  imageId: string | null;
  cloneMode: 'linked' | 'full' | 'blank';
  mediaId: string | null;
  /** Where its disks live. */
  storagePoolId: string;
  state: InstanceState;
  stateReason: string;
  /** Why it is in error when only deleting helps (e.g. `interrupted_create`); null otherwise. */
  errorCode: string | null;
  domainName: string;
  domainUuid: string;
  autostart: boolean;
  createdAt: string;
  updatedAt: string;
  /** The first address onebox allocated to one of its NICs (null without). */
  address: string | null;
  nics: Nic[];
}

/** POST /instances answer. */
export interface InstanceCreated extends Accepted {
  instance: Instance;
}

/** PATCH /instances/:id answer: the instance, and what the change means beyond it (e.g. when the guest's hostname follows a new name). */
export interface InstanceUpdated extends Instance {
  notes: string[];
}

/** GET /instances/:id/vnc */
export interface VncInfo {
  password: string;
}

/** Console kinds. */
export type ConsoleKind = 'vnc' | 'serial';

/** POST /instances/:id/console-tokens answer. */
export interface ConsoleToken {
  token: string;
  kind: ConsoleKind;
  expiresAt: string;
  /** Relative websocket path: `api/v1/console/ws?token=…`. */
  path: string;
  /** The VNC password (kind vnc only). */
  password?: string;
}

/** GET /instances/:id/stats: live usage of one instance. */
export interface InstanceStats {
  state: string;
  /** CPU use over the last interval, as a share of the instance's cores (0–100). */
  cpuPercent: number;
  memoryMiB: number;
  diskReadBytes: number;
  diskWriteBytes: number;
  netRxBytes: number;
  netTxBytes: number;
  sampledAt: string;
}
