/**
 * Request schemas shared by the API (validation at the edge) and the UI (forms).
 * Messages are sentences a user can act on.
 */
import * as z from 'zod';

/** Password rule for every account: at least 8 characters with a digit, a lower- and an upper-case letter. */
export const passwordSchema = z
  .string()
  .min(8, 'The password must have at least 8 characters.')
  .max(200, 'The password must have at most 200 characters.')
  .regex(/[0-9]/, 'The password must contain a digit.')
  .regex(/[a-z]/, 'The password must contain a lower-case letter.')
  .regex(/[A-Z]/, 'The password must contain an upper-case letter.');

/** Login names: letters, digits, dot, dash, underscore. */
export const usernameSchema = z
  .string()
  .min(1, 'The username must not be empty.')
  .max(64, 'The username must have at most 64 characters.')
  .regex(/^[A-Za-z0-9._-]+$/, 'The username may contain only letters, digits, ".", "_" and "-".');

/**
 * First-run admin creation. `setupCode` is the one-time code onebox printed at its first start;
 * optional here so that a missing code gets the same 403 `setup_code_invalid` as a wrong one.
 */
export const setupSchema = z
  .object({ username: usernameSchema, password: passwordSchema, setupCode: z.string().max(64, 'The setup code has at most 64 characters.').optional() })
  .strict();

/** Login. */
export const loginSchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }).strict();

/** New API token. */
export const createTokenSchema = z.object({ name: z.string().trim().min(1).max(100) }).strict();

/** Instance names become guest hostnames: letters, digits and '-', not starting or ending with '-'. */
export const instanceNameSchema = z
  .string()
  .min(1, 'The name must not be empty.')
  .max(63, 'The name must have at most 63 characters (a hostname label).')
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, 'The name may contain only letters, digits and "-", and must not start or end with "-".');

const GiB = 1024 ** 3;

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

/** Create an instance. */
export const createInstanceSchema = z
  .object({
    name: instanceNameSchema,
    pool: z.string().min(1).default('default'),
    cores: z.number().int().min(1, 'An instance needs at least 1 core.').max(128),
    memoryMiB: z.number().int().min(64, 'An instance needs at least 64 MiB of memory.').max(4 * 1024 * 1024),
    disk: systemDiskSchema,
    /** Extra blank disks, attached as vdb, vdc, ... */
    dataDisks: z
      .array(z.object({ sizeGiB: z.number().int().min(1).max(64 * 1024) }).strict())
      .max(8, 'An instance can have at most 8 data disks.')
      .default([]),
    /** NoCloud seed (hostname = name, password, SSH keys, user data); needs a disk from an image. */
    cloudInit: cloudInitSchema.optional(),
    /** ISO to put in the CD-ROM drive at creation. */
    mediaId: z.string().min(1).optional(),
    autostart: z.boolean().default(false),
    /** Start the instance once it is created. */
    start: z.boolean().default(false),
  })
  .strict();

/** Start an instance from an ISO (boots the CD-ROM first). */
export const startFromIsoSchema = z.object({ mediaId: z.string().min(1) }).strict();

/** Insert an ISO into an instance's CD-ROM drive. */
export const insertMediaSchema = startFromIsoSchema;

/** Pool names: like instance names (letters, digits, '-'). */
export const poolNameSchema = instanceNameSchema;

/** Create a compute pool. */
export const createPoolSchema = z
  .object({
    name: poolNameSchema,
    cpuOvercommit: z.number().int().min(1).max(32).default(4),
    memoryOvercommit: z.number().int().min(1).max(4).default(1),
  })
  .strict();

/** Change a host: its pool (null = no pool) and whether the scheduler may use it. */
export const updateHostSchema = z
  .object({ poolId: z.string().min(1).nullable().optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((v) => v.poolId !== undefined || v.enabled !== undefined, 'Give poolId and/or enabled.');

/** Ask for a console token. */
export const consoleTokenSchema = z.object({ kind: z.enum(['vnc', 'serial']) }).strict();

/** Names of images and media: anything printable that does not look like a resource id. */
const catalogueName = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `The ${what} needs a name.`)
    .max(128)
    .refine((n) => !/^[a-z]+_[0-9a-z]{12}$/.test(n), 'The name must not look like a resource id (prefix_ and 12 characters).');

/** Image metadata sent as query parameters with an upload. */
export const imageUploadQuerySchema = z
  .object({
    name: catalogueName('image'),
    description: z.string().max(1000).default(''),
    os: z.string().max(64).default(''),
  })
  .strict();

/** Media metadata sent as query parameters with an upload. */
export const mediaUploadQuerySchema = z.object({ name: catalogueName('ISO') }).strict();

export type CreateInstanceInput = z.infer<typeof createInstanceSchema>;
export type CloudInitInput = z.infer<typeof cloudInitSchema>;
export type SystemDiskInput = z.infer<typeof systemDiskSchema>;
export { GiB };
