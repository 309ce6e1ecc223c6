/**
 * Response shapes of the API as zod schemas: the OpenAPI document's response schemas and the
 * test harness's response check come from these. Each is tied to the response type the
 * presenters return (api-types) by a compile-time check at the end of this file, so a field
 * added to one and not the other fails `tsc`; objects are strict, so a presenter that sends
 * an undocumented field fails the API tests.
 */
import { z } from 'zod';
import type { ItemList } from './common.js';
import { INSTANCE_STATES } from './instance-states.js';
import { qosSchema } from './qos.js';
import { PROBLEM_CODES, type ProblemCode } from './problem-codes.js';
import { USAGE_METRICS, USAGE_RANGES } from './usage.js';
import type { User } from './auth.js';
import type { BatchResult } from './batch.js';
import type { ProblemBody } from './common.js';
import type { InstanceDisk } from './disks.js';
import type { GuestInfo, GuestPasswordSet } from './guest.js';
import type { BridgeSetupResult, Host, HostInterface } from './hosts.js';
import type { Image, Media } from './images.js';
import type { ConsoleToken, Instance, InstanceStats, InstanceUpdated } from './instances.js';
import type { AddressAllocation, AddressPool, Network, NetworkLease, Nic } from './networks.js';
import type { AuditEntry, Operation } from './operations.js';
import type { Pool, StoragePool } from './pools.js';
import type { InstanceSnapshot } from './snapshots.js';
import type { UsageHistory } from './usage.js';

const id = z.string();
const instant = z.string();
const nullable = <T extends z.ZodType>(t: T) => t.nullable();

/** A page of a list: `{items, nextCursor}` (nextCursor null on the last page). */
export const pageSchema = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });
/** A list that is not paged: `{items}`. */
export const itemsSchema = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item) });

export const nicSchema = z.strictObject({
  id, instanceId: id, position: z.number().int(), networkId: id, mac: z.string(), addressPoolId: nullable(id), address: nullable(z.string()),
});

/** One host of an instance's pool as a migration target. */
export const migrationTargetSchema = z.strictObject({ hostId: id, name: z.string(), fits: z.boolean(), reasons: z.array(z.string()) });

export const instanceSchema = z.strictObject({
  id, name: z.string(), poolId: id, hostId: id, groupId: id, cores: z.number().int(), memoryMiB: z.number().int(), maxCores: z.number().int(), maxMemoryMiB: z.number().int(),
  description: z.string(), qos: qosSchema, diskSizeBytes: z.number(),
  dataDisks: z.array(z.strictObject({ sizeBytes: z.number(), slot: z.number().int(), filesystem: z.enum(['ext4', 'xfs']).optional(), mountPoint: z.string().optional() })),
  cloudInit: z.strictObject({ passwordSet: z.boolean(), sshAuthorizedKeys: z.array(z.string()), userDataSet: z.boolean() }).nullable(),
  imageId: nullable(id), cloneMode: z.enum(['linked', 'full', 'blank']), mediaId: nullable(id), storagePoolId: id, state: z.enum(INSTANCE_STATES),
  stateReason: z.string(), errorCode: nullable(z.string()), domainName: z.string(), domainUuid: z.string(), autostart: z.boolean(),
  createdAt: instant, updatedAt: instant, address: nullable(z.string()), nics: z.array(nicSchema),
});

/** PATCH /instances/:id: the instance and notes on what the change means. */
export const instanceUpdatedSchema = instanceSchema.extend({ notes: z.array(z.string()) });

export const imageSchema = z.strictObject({
  id, name: z.string(), description: z.string(), os: z.string(), format: z.enum(['qcow2', 'raw']), sizeBytes: z.number(), virtualSizeBytes: z.number(),
  sha256: z.string(), defaultUser: nullable(z.string()), tags: z.array(z.string()), state: z.enum(['importing', 'ready']), createdAt: instant,
});

export const mediaSchema = z.strictObject({ id, name: z.string(), description: z.string(), sizeBytes: z.number(), sha256: z.string(), createdAt: instant });

export const hostSchema = z.strictObject({
  id, name: z.string(), address: z.string(), poolId: nullable(id), enabled: z.boolean(), accel: z.enum(['kvm', 'tcg']), accelReason: z.string(),
  cpus: z.number().int(), memoryMiB: z.number(), libvirtVersion: z.string(), hypervisorVersion: z.string(), isLocal: z.boolean(),
  lastSeenAt: nullable(instant), createdAt: instant, online: z.boolean(), state: z.enum(['online', 'lost']), diskTotalBytes: z.number().optional(), diskFreeBytes: z.number().optional(),
  storage: z.array(z.strictObject({ poolId: id, totalBytes: z.number(), freeBytes: z.number() })),
});

export const groupSchema = z.strictObject({ id, name: z.string(), description: z.string(), visibility: z.enum(['group', 'own']), createdAt: instant });
export const groupMemberSchema = z.strictObject({ userId: id, username: z.string(), role: z.string() });
export const groupMemberSetSchema = z.strictObject({ userId: id, role: z.string() });
export const roleSchema = z.strictObject({ name: z.string(), description: z.string(), permissions: z.array(z.string()), builtIn: z.boolean() });

export const joinTokenSchema = z.strictObject({
  id, createdAt: instant, expiresAt: instant, usedAt: nullable(instant), usedByHostId: nullable(id), state: z.enum(['valid', 'used', 'expired']),
});

/** POST /join-tokens: the secret, the fingerprint to pin and the command, shown once. */
export const newJoinTokenSchema = joinTokenSchema.extend({ token: z.string(), fingerprint: z.string(), command: z.string() });

/** POST /join: the new host's certificate and the CA that signed it (PEM). */
export const joinAnswerSchema = z.strictObject({ hostId: id, hostName: z.string(), certPem: z.string(), caPem: z.string() });

export const hostInterfaceSchema = z.strictObject({
  name: z.string(), kind: z.enum(['ethernet', 'bridge', 'loopback', 'other']), mac: nullable(z.string()), up: z.boolean(),
  addresses: z.array(z.string()), master: nullable(z.string()), defaultRoute: z.boolean(),
});

export const bridgeSetupResultSchema = z.strictObject({ applied: z.boolean(), bridge: z.string(), plan: z.array(z.string()) });

export const poolSchema = z.strictObject({
  id, name: z.string(), cpuOvercommit: z.number(), memoryOvercommit: z.number(), diskOvercommit: z.number(), cpuLoadCeiling: z.number().int(), storagePoolId: id,
  networkId: nullable(id), addressPoolId: nullable(id), createdAt: instant,
  cpuModel: nullable(z.string()), cpuBaselineHosts: z.array(id),
});

export const storagePoolHostStateSchema = z.strictObject({
  hostId: id, checkedAt: instant, state: z.enum(['mounted', 'error']), mode: z.enum(['dir', 'mount', 'qemu']), message: nullable(z.string()),
  location: nullable(z.string()), mountOptions: nullable(z.string()), totalBytes: nullable(z.number()), freeBytes: nullable(z.number()),
});

export const storagePoolSchema = z.strictObject({
  id, name: z.string(), kind: z.enum(['local', 'nfs']), path: nullable(z.string()),
  server: nullable(z.string()), exportPath: nullable(z.string()), mountOptions: nullable(z.string()),
  computePoolIds: z.array(id), hosts: z.array(storagePoolHostStateSchema), createdAt: instant,
});

export const networkSchema = z.strictObject({
  id, name: z.string(), kind: z.enum(['nat', 'bridged']), bridge: z.string(), subnet: nullable(z.string()), gateway: nullable(z.string()), createdAt: instant,
  hosts: z.array(z.strictObject({ hostId: id, active: z.boolean(), detail: z.string() })),
});

export const networkLeaseSchema = z.strictObject({ mac: z.string(), ip: z.string(), hostname: z.string().optional(), expiresAt: z.number() });

export const addressPoolSchema = z.strictObject({
  id, name: z.string(), networkId: id, mode: z.enum(['dhcp', 'static']), gateway: z.string(), dnsServers: z.array(z.string()),
  ranges: z.array(z.strictObject({ start: z.string(), end: z.string(), prefix: z.number().int() })), size: z.number().int(), allocated: z.number().int(), createdAt: instant,
});

export const addressAllocationSchema = z.strictObject({ address: z.string(), mac: z.string(), instanceId: id, instanceName: z.string(), nicId: id });

/** GET /address-pools/:id: the pool and its allocations. */
export const addressPoolDetailSchema = addressPoolSchema.extend({ allocations: z.array(addressAllocationSchema) });

export const batchResultSchema = z.strictObject({
  action: z.string(),
  items: z.array(z.strictObject({
    name: z.string(), instanceId: nullable(id), operationId: id, state: z.enum(['queued', 'running', 'succeeded', 'failed']), errorCode: nullable(z.string()), errorDetail: nullable(z.string()),
  })),
});

export const operationSchema = z.strictObject({
  id, kind: z.string(), targetType: z.string(), targetId: z.string(), state: z.enum(['running', 'succeeded', 'failed']), progress: z.number(), message: z.string(),
  errorCode: nullable(z.string()), errorDetail: nullable(z.string()), userId: nullable(id), username: nullable(z.string()).optional(),
  createdAt: instant, updatedAt: instant, parentId: nullable(id),
  /** What it produced, e.g. a batch's items; null until then. */
  result: z.unknown(),
  /** True while it runs and POST /operations/:id/actions/cancel can stop it (a live migration, an image import or conversion). */
  cancellable: z.boolean(),
});

/** 202 Accepted: the operation to follow (its URL is in Location), with `extra` fields of that route. */
export const acceptedSchema = <T extends z.ZodRawShape>(extra: T = {} as T) => z.strictObject({ operation: operationSchema, ...extra });

export const snapshotSchema = z.strictObject({
  id, name: z.string(), description: z.string(), parentId: nullable(id), current: z.boolean(), quiesced: z.boolean(), memory: z.boolean(), memorySizeBytes: z.number(), disks: z.array(z.string()), sizeBytes: z.number(), createdAt: instant,
});

export const instanceDiskSchema = z.strictObject({
  id: z.string(), device: z.string(), role: z.enum(['system', 'data']), virtualSizeBytes: z.number(), actualSizeBytes: nullable(z.number()), format: nullable(z.string()), backingImageId: nullable(id),
});

export const instanceStatsSchema = z.strictObject({
  state: z.string(), cpuPercent: z.number(), memoryMiB: z.number(), diskReadBytes: z.number(), diskWriteBytes: z.number(), netRxBytes: z.number(), netTxBytes: z.number(), sampledAt: instant,
});

const guestAddressesSchema = z.strictObject({
  source: z.enum(['agent', 'leases']),
  items: z.array(z.strictObject({ name: nullable(z.string()), mac: z.string(), addresses: z.array(z.strictObject({ address: z.string(), prefix: nullable(z.number().int()), family: z.enum(['ipv4', 'ipv6']) })) })),
});
export { guestAddressesSchema };

export const guestInfoSchema = z.strictObject({
  agent: z.enum(['available', 'unavailable']), reason: nullable(z.string()), hostname: nullable(z.string()), osName: nullable(z.string()), osVersion: nullable(z.string()),
  osPrettyName: nullable(z.string()), kernelRelease: nullable(z.string()), addresses: guestAddressesSchema.nullable(),
});

export const guestPasswordSetSchema = z.strictObject({ username: z.string() });

export const consoleTokenResponseSchema = z.strictObject({
  token: z.string(), kind: z.enum(['vnc', 'serial']), expiresAt: instant, path: z.string(), password: z.string().optional(),
});

export const vncInfoSchema = z.strictObject({ password: z.string() });

const usageValues = z.strictObject(Object.fromEntries(USAGE_METRICS.map((m) => [m, z.number()])) as Record<(typeof USAGE_METRICS)[number], z.ZodNumber>);
const usagePoint = z.strictObject({ t: z.number(), avg: usageValues, max: usageValues });
export const usageHistorySchema = z.strictObject({
  series: z.string(), range: z.enum(USAGE_RANGES), stepSeconds: z.number(), points: z.array(usagePoint),
  locations: z.array(z.strictObject({ storagePoolId: id, name: z.string(), series: z.string(), points: z.array(usagePoint) })).optional(),
});

export const auditEntrySchema = z.strictObject({
  id: z.number().int(), at: instant, userId: nullable(id), username: nullable(z.string()), action: z.string(), targetType: z.string(), targetId: nullable(z.string()),
  sourceIp: nullable(z.string()), detail: z.string(), requestId: nullable(z.string()).optional(), result: z.string().optional(),
});

export const userSchema = z.strictObject({
  id, username: z.string(), role: z.enum(['admin', 'user']), createdAt: instant, displayName: z.string().optional(), email: z.string().optional(), disabled: z.boolean().optional(),
});

/** A user account as /users shows it (never the password hash). */
export const userAccountSchema = z.strictObject({
  id, username: z.string(), displayName: z.string(), email: z.string(), role: z.enum(['admin', 'user']), disabled: z.boolean(), createdAt: instant,
});

/** One of your browser sessions. */
export const sessionSummarySchema = z.strictObject({
  id, createdAt: instant, lastSeenAt: instant, expiresAt: instant, ip: nullable(z.string()), userAgent: nullable(z.string()), current: z.boolean(),
});

export const securitySettingsResponseSchema = z.strictObject({ sessionIdleMinutes: z.number().int(), sessionLifetimeHours: z.number().int(), auditRetentionDays: z.number().int() });

/** GET /session, POST /sessions. */
/** What a user may do, per group (the UI hides what the API would refuse). */
export const effectivePermissionsSchema = z.strictObject({
  everywhere: nullable(z.array(z.string())), any: z.array(z.string()),
  groups: z.array(z.strictObject({ id, name: z.string(), role: z.string(), visibility: z.enum(['group', 'own']), permissions: z.array(z.string()) })),
});

export const sessionSchema = z.strictObject({ user: userAccountSchema, csrfToken: z.string().optional(), sessionId: id.optional(), expiresAt: instant.optional(), permissions: effectivePermissionsSchema.optional() });

/** An API token as listed (never its secret). */
export const apiTokenSchema = z.strictObject({ id, name: z.string(), role: nullable(z.string()), createdAt: instant, lastUsedAt: nullable(instant), expiresAt: nullable(instant) });
/** A new API token: the secret, shown this once. */
export const apiTokenCreatedSchema = z.strictObject({ id, name: z.string(), role: nullable(z.string()), createdAt: instant, expiresAt: nullable(instant), token: z.string() });

export const healthSchema = z.strictObject({ status: z.literal('ok'), version: z.string() });
export const setupStateSchema = z.strictObject({ needed: z.boolean() });

/** Every problem code of the catalogue, for the `code` enum. */
export const PROBLEM_CODE_LIST = Object.keys(PROBLEM_CODES) as [ProblemCode, ...ProblemCode[]];

/** An RFC 9457 problem (application/problem+json). */
export const problemSchema = z.strictObject({
  type: z.string(), title: z.string(), status: z.number().int(), detail: z.string(), code: z.enum(PROBLEM_CODE_LIST), requestId: z.string().optional(),
  errors: z.array(z.strictObject({ field: z.string(), message: z.string() })).optional(),
  /** no_host_available: why each host of the pool was refused. */
  hosts: z.array(z.strictObject({ host: z.string(), reasons: z.array(z.string()) })).optional(),
});

// ---- compile-time ties to the response types ------------------------------------------------

/** True when A and B have the same keys and each is assignable to the other. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;
type Out<S extends z.ZodType> = z.output<S>;
const ties: {
  [K in string]: true;
} = {
  instance: true satisfies Same<Out<typeof instanceSchema>, Instance>,
  instanceUpdated: true satisfies Same<Out<typeof instanceUpdatedSchema>, InstanceUpdated>,
  nic: true satisfies Same<Out<typeof nicSchema>, Nic>,
  image: true satisfies Same<Out<typeof imageSchema>, Image>,
  media: true satisfies Same<Out<typeof mediaSchema>, Media>,
  host: true satisfies Same<Out<typeof hostSchema>, Host>,
  hostInterface: true satisfies Same<Out<typeof hostInterfaceSchema>, HostInterface>,
  bridgeSetup: true satisfies Same<Out<typeof bridgeSetupResultSchema>, BridgeSetupResult>,
  pool: true satisfies Same<Out<typeof poolSchema>, Pool>,
  storagePool: true satisfies Same<Out<typeof storagePoolSchema>, StoragePool>,
  network: true satisfies Same<Out<typeof networkSchema>, Network>,
  lease: true satisfies Same<Out<typeof networkLeaseSchema>, NetworkLease>,
  addressPool: true satisfies Same<Out<typeof addressPoolSchema>, AddressPool>,
  allocation: true satisfies Same<Out<typeof addressAllocationSchema>, AddressAllocation>,
  operation: true satisfies Same<Out<typeof operationSchema>, Operation>,
  batch: true satisfies Same<keyof Out<typeof batchResultSchema>, keyof BatchResult>,
  snapshot: true satisfies Same<Out<typeof snapshotSchema>, InstanceSnapshot>,
  disk: true satisfies Same<Out<typeof instanceDiskSchema>, InstanceDisk>,
  stats: true satisfies Same<Out<typeof instanceStatsSchema>, InstanceStats>,
  guestInfo: true satisfies Same<Out<typeof guestInfoSchema>, GuestInfo>,
  guestPassword: true satisfies Same<Out<typeof guestPasswordSetSchema>, GuestPasswordSet>,
  consoleToken: true satisfies Same<Out<typeof consoleTokenResponseSchema>, ConsoleToken>,
  usage: true satisfies Same<Out<typeof usageHistorySchema>, UsageHistory>,
  audit: true satisfies Same<Out<typeof auditEntrySchema>, AuditEntry>,
  user: true satisfies Same<Out<typeof userSchema>, User>,
  page: true satisfies Same<Out<ReturnType<typeof pageSchema<typeof imageSchema>>>, Required<ItemList<Image>> & { nextCursor: string | null }>,
  problem: true satisfies Same<keyof Out<typeof problemSchema>, keyof ProblemBody>,
};
void ties;
