/**
 * The SQLite schema (drizzle). Tables are plural snake_case, fields camelCase.
 * Migrations are generated from this file by `npm run db:generate` into src/db/migrations/.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { INSTANCE_STATES } from '../shared/instance-states.js';
import type { InstanceQos } from '../shared/qos.js';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;
const createdAt = () => text('created_at').notNull().default(now);
/** A separate column: never `createdAt()` again under another name (that overwrote creation times). Filled in JS: SQLite cannot add a column with an expression default. */
const updatedAt = () =>
  text('updated_at')
    .notNull()
    .$defaultFn(() => new Date().toISOString());

/** The group a row belongs to (rows made before groups: the default group) and the user who made it. */
const ownership = () => ({
  groupId: text('group_id').notNull().default('grp_default'),
  createdBy: text('created_by'),
});

/** Facts about this installation, by key (e.g. `installation_id`, which marks the domains it owns). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** People who log in. */
export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'user'] }).notNull(),
  createdAt: createdAt(),
  displayName: text('display_name').notNull().default(''),
  email: text('email').notNull().default(''),
  /** A disabled user cannot log in; their sessions are ended and their tokens refused. */
  disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
});

/** Groups own instances, images and ISO media; users belong to groups with a role in each. */
export const groups = sqliteTable('groups', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  /** `group`: members see all of the group's resources; `own`: each member only what they created. */
  visibility: text('visibility', { enum: ['group', 'own'] }).notNull().default('group'),
  createdAt: createdAt(),
});

/** A user's role in a group (a built-in role name or a custom role's name). */
export const groupMembers = sqliteTable(
  'group_members',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('group_members_user').on(t.userId)],
);

/** Custom roles: a name and a set of named permissions (the built-in admin, operator, viewer are not stored). */
export const roles = sqliteTable('roles', {
  name: text('name').primaryKey(),
  description: text('description').notNull().default(''),
  permissions: text('permissions', { mode: 'json' }).$type<string[]>().notNull(),
  createdAt: createdAt(),
});

/** Browser sessions; the cookie holds the secret, the table holds its SHA-256. */
export const sessions = sqliteTable('sessions', {
  id: text('id').primaryKey(),
  tokenHash: text('token_hash').notNull().unique(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  csrfToken: text('csrf_token').notNull(),
  expiresAt: text('expires_at').notNull(),
  createdAt: createdAt(),
  /** Last request seen (kept to a minute's resolution): the idle timeout counts from it. */
  lastSeenAt: text('last_seen_at'),
  ip: text('ip'),
  userAgent: text('user_agent'),
});

/** API tokens for automation; only the SHA-256 of the secret is kept. */
export const apiTokens = sqliteTable('api_tokens', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  lastUsedAt: text('last_used_at'),
  /** A narrower role the token acts with (never wider than its user's); null = the user's own rights. */
  role: text('role'),
  createdAt: createdAt(),
  /** After this the token is refused (token_expired); null: never. */
  expiresAt: text('expires_at'),
});

/** Where instance disks live: a directory on each host, or an NFS export shared by the hosts of a compute pool. */
export const storagePools = sqliteTable('storage_pools', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  kind: text('kind', { enum: ['local', 'nfs'] }).notNull(),
  /** Local pools: absolute directory on every host; null = each host's own data directory. */
  path: text('path'),
  /** NFS pools: the server (host name or IPv4 address), its export path and the mount options (null = none). */
  server: text('server'),
  exportPath: text('export_path'),
  mountOptions: text('mount_options'),
  createdAt: createdAt(),
});

/** Networks guests attach to: a private NAT network (libvirt runs its bridge, DHCP and masquerade) or an existing bridge onto the LAN. */
export const networks = sqliteTable('networks', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  kind: text('kind', { enum: ['nat', 'bridged'] }).notNull(),
  /** The Linux bridge on every host (made by libvirt for NAT networks). */
  bridge: text('bridge').notNull().unique(),
  /** NAT networks: the subnet (CIDR) and the host's address in it. */
  subnet: text('subnet'),
  gateway: text('gateway'),
  createdAt: createdAt(),
});

/** Addresses onebox hands out on a network: DHCP reservations or static cloud-init config. */
export const addressPools = sqliteTable('address_pools', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  networkId: text('network_id')
    .notNull()
    .references(() => networks.id),
  mode: text('mode', { enum: ['dhcp', 'static'] }).notNull(),
  gateway: text('gateway').notNull(),
  dnsServers: text('dns_servers', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  /** The ranges in order: `[{ start, end, prefix }]`. */
  ranges: text('ranges', { mode: 'json' }).$type<{ start: string; end: string; prefix: number }[]>().notNull(),
  createdAt: createdAt(),
});

/** Compute pools group hosts; instances are created in a pool. */
export const computePools = sqliteTable('compute_pools', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  cpuOvercommit: integer('cpu_overcommit').notNull().default(4),
  memoryOvercommit: integer('memory_overcommit').notNull().default(1),
  /** How many times the storage's size thin disks may promise in all. */
  diskOvercommit: integer('disk_overcommit').notNull().default(2),
  /** Hosts whose measured CPU busy % is above this take no new instances (100 = no ceiling). */
  cpuLoadCeiling: integer('cpu_load_ceiling').notNull().default(100),
  /** The storage pool of its instances' disks; null = the `default` storage pool. */
  storagePoolId: text('storage_pool_id').references(() => storagePools.id),
  /** The network new instances get a NIC on (null = none), and the address pool their addresses come from (null = the network's own DHCP, or the LAN's). */
  networkId: text('network_id').references(() => networks.id),
  addressPoolId: text('address_pool_id').references(() => addressPools.id),
  createdAt: createdAt(),
  /** The CPU its instances get: the baseline of its hosts' CPUs (null: none computed yet; instances keep the accelerator's default). */
  cpuBaseline: text('cpu_baseline', { mode: 'json' }).$type<{ model: string; vendor?: string; features: { name: string; policy: 'require' | 'disable' }[] }>(),
  /** The hosts whose CPUs that baseline covers. */
  cpuBaselineHostIds: text('cpu_baseline_host_ids', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
});

/** Hypervisor hosts. */
export const hosts = sqliteTable('hosts', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  address: text('address').notNull(),
  poolId: text('pool_id').references(() => computePools.id),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  accel: text('accel', { enum: ['kvm', 'tcg'] }).notNull(),
  accelReason: text('accel_reason').notNull().default(''),
  cpus: integer('cpus').notNull(),
  memoryMiB: integer('memory_mib').notNull(),
  libvirtVersion: text('libvirt_version').notNull().default(''),
  hypervisorVersion: text('hypervisor_version').notNull().default(''),
  isLocal: integer('is_local', { mode: 'boolean' }).notNull().default(false),
  lastSeenAt: text('last_seen_at'),
  createdAt: createdAt(),
  /** A joined host's agent endpoint (`https://addr:port`, mutual TLS); null for the local host. */
  agentUrl: text('agent_url'),
  /** The CPU its hypervisor offers guests (a `<cpu>` document, reported at every attach): its part of its pool's baseline. */
  cpu: text('cpu'),
});

/** One-time tokens that let a new server join (`onebox join`); only the secret's SHA-256 is kept. */
export const joinTokens = sqliteTable('join_tokens', {
  id: text('id').primaryKey(),
  secretHash: text('secret_hash').notNull().unique(),
  createdBy: text('created_by').notNull(),
  expiresAt: text('expires_at').notNull(),
  /** Set when a host joined with it (it cannot be used again). */
  usedAt: text('used_at'),
  usedByHostId: text('used_by_host_id'),
  createdAt: createdAt(),
});

/**
 * What the instances placed on each host claim (cores, MiB, virtual disk bytes), for the
 * scheduler: kept by triggers on `instances` (insert, delete, update of its host or size), so a
 * claim is written in the very transaction that writes the instance row, whatever the path.
 */
export const hostClaims = sqliteTable('host_claims', {
  hostId: text('host_id')
    .primaryKey()
    .references(() => hosts.id, { onDelete: 'cascade' }),
  cores: integer('cores').notNull().default(0),
  memoryMiB: integer('memory_mib').notNull().default(0),
  diskBytes: integer('disk_bytes').notNull().default(0),
});

/**
 * The scheduler's change clock: one row (id 1) whose version grows with every change of a
 * host's schedulable fields or of its claims (triggers on hosts and host_claims), so the
 * scheduler's in-memory copy of the candidates learns in one indexed read what changed.
 */
export const placementClock = sqliteTable('placement_clock', {
  id: integer('id').primaryKey(),
  version: integer('version').notNull().default(0),
});

/** The clock version at which each host (its row or its claims) last changed. No foreign key: a deleted host stays listed, so the scheduler's copy drops it. */
export const placementChanges = sqliteTable(
  'placement_changes',
  {
    hostId: text('host_id').primaryKey(),
    version: integer('version').notNull(),
  },
  (t) => [index('placement_changes_version').on(t.version)],
);

/** Disk images (templates) stored in the data directory. */
export const images = sqliteTable('images', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  os: text('os').notNull().default(''),
  format: text('format', { enum: ['qcow2', 'raw'] }).notNull(),
  fileName: text('file_name').notNull(),
  sizeBytes: integer('size_bytes').notNull(),
  virtualSizeBytes: integer('virtual_size_bytes').notNull(),
  sha256: text('sha256').notNull(),
  /** The guest user the image's OS logs in with (debian, ubuntu, …); null: root. Set-guest-password's default. */
  defaultUser: text('default_user'),
  /** Short labels (a-z, 0-9, '-', '_', '.'), in the order given; `GET /images?tag=` filters on them. */
  tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  /** 'importing' while an uploaded vmdk/vhdx/vdi/ova is being converted (not usable yet; its size and checksum are the upload's); 'ready' after. */
  state: text('state', { enum: ['importing', 'ready'] }).notNull().default('ready'),
  ...ownership(),
  createdAt: createdAt(),
});

/** ISO media. */
export const media = sqliteTable('media', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  fileName: text('file_name').notNull(),
  sizeBytes: integer('size_bytes').notNull(),
  sha256: text('sha256').notNull(),
  ...ownership(),
  createdAt: createdAt(),
});

/** Virtual machines. `state` is what users see; it is reconciled with the hypervisor. */
export const instances = sqliteTable(
  'instances',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    poolId: text('pool_id')
      .notNull()
      .references(() => computePools.id),
    hostId: text('host_id')
      .notNull()
      .references(() => hosts.id),
    cores: integer('cores').notNull(),
    memoryMiB: integer('memory_mib').notNull(),
    /** Most vCPUs and MiB while running (hot-plug, balloon); null = the current value (instances made before maximums). */
    maxCores: integer('max_cores'),
    maxMemoryMiB: integer('max_memory_mib'),
    description: text('description').notNull().default(''),
    diskSizeBytes: integer('disk_size_bytes').notNull(),
    /** Extra blank disks, by slot: volume `data-<slot>` on device vdb + slot (no slot: the index, as before disks could be removed). */
    dataDisks: text('data_disks', { mode: 'json' }).$type<{ sizeBytes: number; slot?: number; filesystem?: 'ext4' | 'xfs'; mountPoint?: string }[]>().notNull().default(sql`'[]'`),
    imageId: text('image_id').references(() => images.id),
    /** The storage pool its disks are in; null = the `default` storage pool (instances made before storage pools). */
    storagePoolId: text('storage_pool_id').references(() => storagePools.id),
    cloneMode: text('clone_mode', { enum: ['linked', 'full', 'blank'] }).notNull(),
    mediaId: text('media_id').references(() => media.id),
    /** cloud-init options to rebuild the seed from: the password only as a SHA-512 crypt hash; null = no seed. */
    cloudInit: text('cloud_init', { mode: 'json' }).$type<{ passwordHash?: string; sshAuthorizedKeys?: string[]; userData?: string }>(),
    /** How often the system disk was reset: each reset gives the seed a new cloud-init instance-id (so cloud-init runs again). */
    systemDiskResets: integer('system_disk_resets').notNull().default(0),
    state: text('state', { enum: INSTANCE_STATES }).notNull(),
    stateReason: text('state_reason').notNull().default(''),
    /** Why the instance is in `error`, when that must stick until the user acts (e.g. `interrupted_create`: only delete helps). */
    errorCode: text('error_code'),
    domainName: text('domain_name').notNull().unique(),
    domainUuid: text('domain_uuid').notNull().unique(),
    vncPassword: text('vnc_password').notNull(),
    autostart: integer('autostart', { mode: 'boolean' }).notNull().default(false),
    /** The file each disk writes to, by volume (`system`, `data-<slot>`), once snapshots put overlays on top; absent = `<volume>.qcow2`. */
    diskFiles: text('disk_files', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    /** The snapshot the disks' files sit on (the tree's current one); null = none. */
    currentSnapshotId: text('current_snapshot_id'),
    /** CPU priority and disk/network limits; null = medium priority, no limits. */
    qos: text('qos', { mode: 'json' }).$type<InstanceQos>(),
    ...ownership(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // instances_name_id: the list's order (name, then id), so a page walks the index from its cursor.
  (t) => [uniqueIndex('instances_pool_name').on(t.poolId, t.name), index('instances_name_id').on(t.name, t.id)],
);

/** Network interfaces of instances, with the address allocated to each (unique per address pool). */
export const instanceNics = sqliteTable(
  'instance_nics',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    networkId: text('network_id')
      .notNull()
      .references(() => networks.id),
    mac: text('mac').notNull().unique(),
    addressPoolId: text('address_pool_id').references(() => addressPools.id),
    /** Dotted quad; null when the NIC has no address from onebox. */
    address: text('address'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('instance_nics_address').on(t.addressPoolId, t.address), uniqueIndex('instance_nics_position').on(t.instanceId, t.position)],
);

/**
 * What a migration holds on its target host while it runs (cores, MiB, virtual disk bytes: the
 * instance's own claim), recorded in the transaction that checks the target. Triggers add it to
 * the target's host_claims and take it off again when the row goes (migration 0024), so the
 * scheduler counts it like an instance placed there. One row per migrating instance, deleted in
 * the transaction that records the move, when the migration fails, and at start-up.
 */
export const migrationReservations = sqliteTable('migration_reservations', {
  instanceId: text('instance_id')
    .primaryKey()
    .references(() => instances.id, { onDelete: 'cascade' }),
  hostId: text('host_id')
    .notNull()
    .references(() => hosts.id, { onDelete: 'cascade' }),
  cores: integer('cores').notNull(),
  memoryMiB: integer('memory_mib').notNull(),
  diskBytes: integer('disk_bytes').notNull(),
  createdAt: createdAt(),
});

/**
 * Snapshots of instances: onebox's own tree (libvirt keeps no snapshot metadata). Each snapshot owns
 * the files its disks were frozen in (read-only backing files of what came after it).
 */
export const instanceSnapshots = sqliteTable(
  'instance_snapshots',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** The snapshot this one was taken on top of; null = the first of its tree. */
    parentId: text('parent_id'),
    /** Whether the guest agent froze the guest's filesystems while it was taken. */
    quiesced: integer('quiesced', { mode: 'boolean' }).notNull().default(false),
    /** Per disk volume, the frozen file (in the instance's directory of its pool). */
    files: text('files', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    /** Bytes of the frozen files when taken. */
    sizeBytes: integer('size_bytes').notNull().default(0),
    /** The file the guest's memory was saved to with the disks (in the instance's directory); null = disk-only. */
    memoryFile: text('memory_file'),
    /** Bytes of the memory file. */
    memorySizeBytes: integer('memory_size_bytes').notNull().default(0),
    /** Set while a memory snapshot is being taken (hidden from the API): after a restart, reconcile finishes or undoes it. */
    creating: integer('creating', { mode: 'boolean' }).notNull().default(false),
    /** Set while a delete merges its files: after a restart, reconcile completes it (or clears this when nothing was merged). */
    deleting: integer('deleting', { mode: 'boolean' }).notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('instance_snapshots_name').on(t.instanceId, t.name)],
);

/** Long-running tasks with progress (create, delete, start from ISO, uploads...). */
export const operations = sqliteTable('operations', {
  id: text('id').primaryKey(),
  kind: text('kind').notNull(),
  targetType: text('target_type').notNull(),
  targetId: text('target_id').notNull(),
  state: text('state', { enum: ['running', 'succeeded', 'failed'] }).notNull(),
  progress: integer('progress').notNull().default(0),
  message: text('message').notNull().default(''),
  errorCode: text('error_code'),
  errorDetail: text('error_detail'),
  userId: text('user_id'),
  /** The batch this operation is one item of (its parent operation), if any. */
  parentId: text('parent_id'),
  /** What a finished operation produced, e.g. a batch's items with their states and errors. */
  result: text('result', { mode: 'json' }).$type<unknown>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [index('operations_created_id').on(t.createdAt, t.id)]); // the list's order, newest first

/** Every change: who, what, when, from where. */
export const auditLog = sqliteTable('audit_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: createdAt(),
  userId: text('user_id'),
  username: text('username'),
  action: text('action').notNull(),
  targetType: text('target_type').notNull(),
  targetId: text('target_id'),
  sourceIp: text('source_ip'),
  detail: text('detail').notNull().default(''),
  requestId: text('request_id'),
  /** `ok`, or `failed` for a refused state-changing request or login. */
  result: text('result').notNull().default('ok'),
});

/**
 * Usage history, round-robin like an RRD: per series (`instance:<id>`, `host:<id>`, `pool:<id>`,
 * `zone`) and resolution (`step` seconds) a fixed ring of slots, each overwritten in place when
 * its time comes round again. A slot holds the sum, count and maximum of the samples of its bucket.
 */
export const usageHistory = sqliteTable(
  'usage_history',
  {
    series: text('series').notNull(),
    step: integer('step').notNull(),
    slot: integer('slot').notNull(),
    /** Start of the slot's bucket, in ms since the epoch. */
    bucket: integer('bucket').notNull(),
    samples: integer('samples').notNull(),
    cpuSum: real('cpu_sum').notNull(),
    cpuMax: real('cpu_max').notNull(),
    memSum: real('mem_sum').notNull(),
    memMax: real('mem_max').notNull(),
    diskReadSum: real('disk_read_sum').notNull(),
    diskReadMax: real('disk_read_max').notNull(),
    diskWriteSum: real('disk_write_sum').notNull(),
    diskWriteMax: real('disk_write_max').notNull(),
    diskReadOpsSum: real('disk_read_ops_sum').notNull(),
    diskReadOpsMax: real('disk_read_ops_max').notNull(),
    diskWriteOpsSum: real('disk_write_ops_sum').notNull(),
    diskWriteOpsMax: real('disk_write_ops_max').notNull(),
    netRxSum: real('net_rx_sum').notNull(),
    netRxMax: real('net_rx_max').notNull(),
    netTxSum: real('net_tx_sum').notNull(),
    netTxMax: real('net_tx_max').notNull(),
    memTotalSum: real('mem_total_sum').notNull().default(0),
    memTotalMax: real('mem_total_max').notNull().default(0),
    storageUsedSum: real('storage_used_sum').notNull().default(0),
    storageUsedMax: real('storage_used_max').notNull().default(0),
    storageTotalSum: real('storage_total_sum').notNull().default(0),
    storageTotalMax: real('storage_total_max').notNull().default(0),
    guestCpuSum: real('guest_cpu_sum').notNull().default(0),
    guestCpuMax: real('guest_cpu_max').notNull().default(0),
    guestMemSum: real('guest_mem_sum').notNull().default(0),
    guestMemMax: real('guest_mem_max').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.series, t.step, t.slot] })],
);
