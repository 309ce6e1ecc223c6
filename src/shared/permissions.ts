/**
 * Named permissions and the built-in roles: the one list the API enforces and the UI reads.
 * A role is a set of permissions; a user holds a role in each of their groups (global admins
 * hold every permission everywhere).
 */

/** Every permission, each with what it allows. */
export const PERMISSIONS = {
  'instances.read': 'See instances, their NICs, disks, usage, guest information and console log.',
  'instances.create': 'Create, clone and batch-create instances in the group.',
  'instances.power': 'Start, stop, reboot, reset, pause and resume instances, and insert or eject media.',
  'instances.modify': 'Change an instance: resources, NICs, disks, guest password, images from it, system disk resets.',
  'instances.delete': 'Delete instances.',
  'instances.console': 'Open the VNC or serial console of an instance (and read its VNC password).',
  'snapshots.manage': 'Take, revert and delete snapshots of instances.',
  'images.read': 'See and download images.',
  'images.manage': 'Upload, import, edit and delete images.',
  'media.read': 'See and download ISO media.',
  'media.manage': 'Upload, edit and delete ISO media.',
  'networks.read': 'See networks, their leases and address pools.',
  'networks.manage': 'Create, change and delete networks and address pools.',
  'hosts.read': 'See hosts, their interfaces and usage, and the zone usage.',
  'hosts.manage': 'Change hosts and set up their bridges.',
  'hosts.join': 'Create and revoke join tokens (a server that joins gets a certificate from onebox\'s CA and runs instances).',
  'pools.read': 'See compute and storage pools.',
  'pools.manage': 'Create, change and delete compute and storage pools.',
  'operations.read': 'See long-running operations.',
  'users.manage': 'Manage user accounts, groups, memberships and custom roles.',
  'audit.read': 'Read the audit log.',
} as const;

/** A named permission. */
export type Permission = keyof typeof PERMISSIONS;

/** All permission names. */
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

/**
 * Held by global admins only, never through a role in a group: whoever manages accounts can
 * reset an admin's password or make an admin, and whoever lets a server join hands it onebox's
 * certificate and the instances placed on it, so granting either in a group grants everything.
 */
export const ADMIN_ONLY_PERMISSIONS: readonly Permission[] = ['users.manage', 'hosts.join'];

/** The permissions a custom role may be made of. */
export const GROUP_PERMISSIONS = ALL_PERMISSIONS.filter((p) => !ADMIN_ONLY_PERMISSIONS.includes(p));

const READ: Permission[] = ['instances.read', 'images.read', 'media.read', 'networks.read', 'hosts.read', 'pools.read', 'operations.read'];

/** The built-in roles: admin (everything), operator (act on the group's resources), viewer (read-only, no consoles). */
export const BUILT_IN_ROLES = {
  admin: ALL_PERMISSIONS,
  operator: [
    ...READ,
    'instances.create', 'instances.power', 'instances.modify', 'instances.delete', 'instances.console',
    'snapshots.manage', 'images.manage', 'media.manage',
  ],
  viewer: READ,
} as const satisfies Record<string, readonly Permission[]>;

/** Name of a built-in role. */
export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

/** True for the names of the built-in roles. */
export const isBuiltInRole = (name: string): name is BuiltInRole => Object.hasOwn(BUILT_IN_ROLES, name);

/** Id of the group that always exists: rows made before groups, and users in no other group, belong to it. */
export const DEFAULT_GROUP_ID = 'grp_default';

/** Who in a group sees its resources: every member, or each member only what they created. */
export const GROUP_VISIBILITIES = ['group', 'own'] as const;
export type GroupVisibility = (typeof GROUP_VISIBILITIES)[number];
