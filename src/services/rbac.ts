/**
 * Roles, groups and permissions: who may do what to which group's instances, images and ISOs.
 * The API asks this service on every request (see api/route-permissions.ts); the answer for a
 * user is cached until a group, membership or role changes.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { preparedOnce } from '../db/prepared.js';
import { StampedCache } from '../db/stamped-cache.js';
import { groupMembers, groups, images, instances, media, roles, users } from '../db/schema.js';
import { AppError, notFound } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { CreateGroupInput, CreateRoleInput, EffectivePermissions, GroupMemberInput, GroupView, RoleView, UpdateGroupInput } from '../shared/groups.js';
import { ADMIN_ONLY_PERMISSIONS, ALL_PERMISSIONS, BUILT_IN_ROLES, GROUP_PERMISSIONS, DEFAULT_GROUP_ID, isBuiltInRole, type GroupVisibility, type Permission } from '../shared/permissions.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';

/** A row owned by a group. */
export interface Owned {
  groupId: string;
  createdBy: string | null;
}

/** What one caller holds, worked out once per user (and token role). */
export interface Access {
  userId: string;
  /** Held in every group (global admins); null for everyone else. */
  everywhere: ReadonlySet<Permission> | null;
  /** Per group: the permissions and whether the member sees only their own resources. */
  groups: ReadonlyMap<string, { role: string; perms: ReadonlySet<Permission>; own: boolean }>;
  /** The union over all groups. */
  any: ReadonlySet<Permission>;
}

/** Which group-owned rows a caller may list: undefined = all of them. */
export interface VisibleScope {
  groupIds: string[];
  ownGroupIds: string[];
  userId: string;
}

/** Which operations a caller may list (see RbacService.operationScope). */
export interface OperationScope {
  userId: string;
  /** Whether operations on hosts, networks and pools are listed. */
  untargeted: boolean;
  /** Per group-owned kind of target: the rows whose operations are listed. */
  owned: Record<keyof typeof OWNED_READ, VisibleScope>;
}

/** The group-owned kinds of operation target and the permission that reads each. */
export const OWNED_READ = { instance: 'instances.read', image: 'images.read', media: 'media.read' } as const satisfies Record<string, Permission>;

const CACHE_LIMIT = 10_000;

/** The kinds of group-owned row an API path can name. */
type OwnedKind = 'instance' | 'image' | 'media';

/** Groups, memberships, custom roles and the checks built on them. */
export class RbacService {
  private readonly cache = new Map<string, Access>();
  private customRoles: Map<string, { description: string; permissions: Permission[] }> | undefined;
  /** The owners of instances, images and ISOs by path key, until the next write (every non-admin request asks). */
  private readonly owners: Record<OwnedKind, StampedCache<string, Owned>>;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {
    this.owners = { instance: new StampedCache(db), image: new StampedCache(db), media: new StampedCache(db) };
  }

  /** The permissions of a role by name (built-in or custom); undefined when no such role exists. */
  permissionsOf(role: string): readonly Permission[] | undefined {
    if (isBuiltInRole(role)) return BUILT_IN_ROLES[role];
    return this.roles().get(role)?.permissions;
  }

  /** What the actor holds (cached until a group, membership or role changes). */
  access(actor: Actor): Access {
    const key = `${actor.userId}|${actor.role}|${actor.tokenRole ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const narrow = actor.tokenRole === undefined ? undefined : new Set(this.permissionsOf(actor.tokenRole) ?? []);
    const limit = (perms: readonly Permission[]) => new Set(narrow ? perms.filter((p) => narrow.has(p)) : perms);
    const rows = preparedOnce(this.db, 'rbac.memberships', () =>
      this.db
        .select({ groupId: groupMembers.groupId, role: groupMembers.role, visibility: groups.visibility })
        .from(groupMembers)
        .innerJoin(groups, eq(groups.id, groupMembers.groupId))
        .where(eq(groupMembers.userId, sql.placeholder('userId')))
        .prepare(),
    ).all({ userId: actor.userId });
    const everywhere = actor.role === 'admin' ? limit(ALL_PERMISSIONS) : null;
    const byGroup = new Map<string, { role: string; perms: Set<Permission>; own: boolean }>();
    const any = new Set<Permission>(everywhere ?? []);
    for (const row of rows) {
      // A role held in a group never carries the admin-only permissions, not even the built-in admin role.
      const perms = limit((this.permissionsOf(row.role) ?? []).filter((p) => !ADMIN_ONLY_PERMISSIONS.includes(p)));
      byGroup.set(row.groupId, { role: row.role, perms, own: row.visibility === 'own' });
      for (const p of perms) any.add(p);
    }
    const access: Access = { userId: actor.userId, everywhere, groups: byGroup, any };
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, access);
    return access;
  }

  /** True when the actor holds `perm` in at least one group (or everywhere). */
  can(actor: Actor, perm: Permission): boolean {
    return this.access(actor).any.has(perm);
  }

  /** Throws 403 `forbidden` naming the permission unless the actor holds it somewhere. */
  assertAny(actor: Actor, perm: Permission): void {
    if (!this.can(actor, perm)) throw forbidden(perm);
  }

  /** Whether the actor sees the row: admins all, members their group's (or only their own in an `own` group). */
  sees(actor: Actor, row: Owned): boolean {
    const access = this.access(actor);
    if (access.everywhere) return true;
    const m = access.groups.get(row.groupId);
    return m !== undefined && (!m.own || row.createdBy === actor.userId);
  }

  /**
   * Checks `perm` on a row: an invisible row throws `hidden()` (the same 404 as a missing one,
   * so ids do not leak); a visible one without the permission 403 `forbidden`.
   */
  assertOn(actor: Actor, perm: Permission, row: Owned, hidden: () => AppError): void {
    if (!this.sees(actor, row)) throw hidden();
    if (!this.holdsOn(actor, perm, row)) throw forbidden(perm);
  }

  /** The group-owned resource an API path names, checked for `perm` (404 when missing or invisible). */
  assertResource(actor: Actor, kind: OwnedKind, key: string, perm: Permission): void {
    // An admin sees every row and holds the same permissions on each (a narrower token limits
    // them alike): no need to read the row's owner, the handler answers 404 for a missing one.
    const everywhere = this.access(actor).everywhere;
    if (everywhere) {
      if (!everywhere.has(perm)) throw forbidden(perm);
      return;
    }
    const row = this.ownerOf(kind, key);
    this.assertOn(actor, perm, row ?? { groupId: '', createdBy: null }, () => notFound(kind, key));
  }

  /**
   * Whether the actor sees an operation: admins all; others their own, those on an instance,
   * image or ISO they may read, and (with `operations.read` somewhere) those on hosts, networks
   * and pools. The list applies the same rule in SQL: {@link operationScope}.
   */
  seesOperation(actor: Actor, op: { userId: string | null; targetType: string; targetId: string }): boolean {
    if (this.access(actor).everywhere || op.userId === actor.userId) return true;
    const perm = OWNED_READ[op.targetType as keyof typeof OWNED_READ];
    if (!perm) return this.can(actor, 'operations.read');
    const row = this.ownerOf(op.targetType as keyof typeof OWNED_READ, op.targetId);
    return row !== undefined && this.holdsOn(actor, perm, row);
  }

  /** What {@link seesOperation} lets the actor list, per kind of target; undefined: all. */
  operationScope(actor: Actor): OperationScope | undefined {
    if (this.access(actor).everywhere) return undefined;
    const owned = Object.fromEntries(Object.entries(OWNED_READ).map(([kind, perm]) => [kind, this.scope(actor, perm)!])) as OperationScope['owned'];
    return { userId: actor.userId, untargeted: this.can(actor, 'operations.read'), owned };
  }

  /**
   * Which rows the actor may list: those of the groups where they hold `perm` (only their own in
   * an `own` group); undefined: all. A caller in no such group lists nothing (not a 403).
   */
  scope(actor: Actor, perm: Permission): VisibleScope | undefined {
    const access = this.access(actor);
    if (access.everywhere) return undefined;
    const groupIds: string[] = [];
    const ownGroupIds: string[] = [];
    for (const [id, m] of access.groups) if (m.perms.has(perm)) (m.own ? ownGroupIds : groupIds).push(id);
    return { groupIds, ownGroupIds, userId: actor.userId };
  }

  /** Keeps the rows the actor sees and holds `perm` on. */
  visible<T extends Owned>(actor: Actor, rows: T[], perm: Permission): T[] {
    return this.access(actor).everywhere ? rows : rows.filter((r) => this.holdsOn(actor, perm, r));
  }

  /** Whether the actor sees the row and holds `perm` in its group. */
  private holdsOn(actor: Actor, perm: Permission, row: Owned): boolean {
    const access = this.access(actor);
    return this.sees(actor, row) && (access.everywhere?.has(perm) || access.groups.get(row.groupId)?.perms.has(perm)) === true;
  }

  /**
   * The group a new resource goes to: the one asked for, else the caller's only group (the
   * default group when they have several or none). 403 unless the caller holds `perm` there;
   * an unknown group, or one an ordinary member is not in, is 404.
   */
  groupForCreate(actor: Actor, requested: string | undefined, perm: Permission): string {
    const access = this.access(actor);
    const groupId = requested ?? (access.groups.size === 1 && !access.everywhere ? [...access.groups.keys()][0] : DEFAULT_GROUP_ID);
    const group = this.findGroup(groupId);
    if (!group || (!access.everywhere && !access.groups.has(group.id))) throw notFound('group', groupId);
    if (!(access.everywhere?.has(perm) || access.groups.get(group.id)?.perms.has(perm))) throw forbidden(perm, group.name);
    return group.id;
  }

  /** The caller's permissions per group, for the UI. */
  effective(actor: Actor): EffectivePermissions {
    const access = this.access(actor);
    const all = this.db.select().from(groups).all();
    return {
      everywhere: access.everywhere ? [...access.everywhere] : null,
      any: [...access.any],
      groups: all
        .filter((g) => access.groups.has(g.id))
        .map((g) => {
          const m = access.groups.get(g.id)!;
          return { id: g.id, name: g.name, role: m.role, visibility: g.visibility, permissions: [...m.perms] };
        }),
    };
  }

  /** Refuses a token role wider than the creator's own rights (or an unknown role). */
  assertTokenRole(actor: Actor, role: string): void {
    const perms = this.permissionsOf(role);
    if (!perms) throw notFound('role', role);
    const access = this.access(actor);
    const missing = perms.filter((p) => !(access.everywhere ?? access.any).has(p));
    if (missing.length > 0) throw new AppError('forbidden', `A token cannot have the role '${role}': it holds ${missing.join(', ')}, which you do not.`);
  }

  // ---- groups ----

  /** Groups: all for those who manage users, else the caller's own. */
  listGroups(actor: Actor): GroupView[] {
    const all = this.db.select().from(groups).orderBy(groups.name).all();
    const access = this.access(actor);
    return access.everywhere || access.any.has('users.manage') ? all : all.filter((g) => access.groups.has(g.id));
  }

  /** One group by id or name (404 when missing, or when an ordinary caller is not in it). */
  getGroup(actor: Actor, key: string): GroupView {
    const group = this.findGroup(key);
    const access = this.access(actor);
    if (!group || !(access.everywhere || access.any.has('users.manage') || access.groups.has(group.id))) throw notFound('group', key);
    return group;
  }

  /** Creates a group. */
  createGroup(input: CreateGroupInput, actor: Actor): GroupView {
    const row = this.unique(input.name, () => this.db.insert(groups).values({ id: newId('grp'), ...input }).returning().get());
    this.changed();
    this.audit.record(actor, 'create', 'group', row.id, row.name);
    return row;
  }

  /** Renames a group or changes its description or visibility. */
  updateGroup(key: string, input: UpdateGroupInput, actor: Actor): GroupView {
    const group = this.groupOrThrow(key);
    const row = this.unique(input.name ?? group.name, () => this.db.update(groups).set(input).where(eq(groups.id, group.id)).returning().get());
    this.changed();
    this.audit.record(actor, 'update', 'group', row.id, row.name);
    return row;
  }

  /** Deletes an empty group (not the default one). */
  deleteGroup(key: string, actor: Actor): void {
    const group = this.groupOrThrow(key);
    if (group.id === DEFAULT_GROUP_ID) throw new AppError('group_is_default', `Group '${group.name}' is the default group and cannot be deleted.`);
    const owned = [instances, images, media].reduce((n, t) => n + this.db.select({ n: sql<number>`count(*)` }).from(t).where(eq(t.groupId, group.id)).get()!.n, 0);
    if (owned > 0) throw new AppError('group_not_empty', `Group '${group.name}' still owns ${owned} instances, images or ISOs; move or delete them first.`);
    this.db.delete(groups).where(eq(groups.id, group.id)).run();
    this.changed();
    this.audit.record(actor, 'delete', 'group', group.id, group.name);
  }

  /** The members of a group with their roles. */
  members(actor: Actor, key: string): { userId: string; username: string; role: string }[] {
    const group = this.getGroup(actor, key);
    return this.db
      .select({ userId: groupMembers.userId, username: users.username, role: groupMembers.role })
      .from(groupMembers)
      .innerJoin(users, eq(users.id, groupMembers.userId))
      .where(eq(groupMembers.groupId, group.id))
      .orderBy(users.username)
      .all();
  }

  /** Adds a user to a group with a role, or changes their role there. */
  setMember(key: string, input: GroupMemberInput, actor: Actor): { userId: string; role: string } {
    const group = this.groupOrThrow(key);
    if (!this.permissionsOf(input.role)) throw notFound('role', input.role);
    if (!this.db.select({ id: users.id }).from(users).where(eq(users.id, input.userId)).get())
      throw new AppError('validation_failed', `No user with id '${input.userId}' exists.`);
    this.db
      .insert(groupMembers)
      .values({ groupId: group.id, userId: input.userId, role: input.role })
      .onConflictDoUpdate({ target: [groupMembers.groupId, groupMembers.userId], set: { role: input.role } })
      .run();
    this.changed();
    this.audit.record(actor, 'set_member', 'group', group.id, `${input.userId} as ${input.role}`);
    return { userId: input.userId, role: input.role };
  }

  /** Removes a user from a group. */
  removeMember(key: string, userId: string, actor: Actor): void {
    const group = this.groupOrThrow(key);
    const result = this.db.delete(groupMembers).where(and(eq(groupMembers.groupId, group.id), eq(groupMembers.userId, userId))).run();
    if (result.changes === 0) throw new AppError('validation_failed', `User '${userId}' is not a member of group '${group.name}'.`);
    this.changed();
    this.audit.record(actor, 'remove_member', 'group', group.id, userId);
  }

  // ---- roles ----

  /** The built-in roles, then the custom ones. */
  listRoles(): RoleView[] {
    const builtIn = Object.entries(BUILT_IN_ROLES).map(([name, permissions]) => ({ name, description: '', permissions: [...permissions], builtIn: true }));
    const custom = [...this.roles()].map(([name, r]) => ({ name, description: r.description, permissions: r.permissions, builtIn: false }));
    return [...builtIn, ...custom];
  }

  /** Creates a custom role. */
  createRole(input: CreateRoleInput, actor: Actor): RoleView {
    if (isBuiltInRole(input.name)) throw new AppError('role_name_taken', `'${input.name}' is a built-in role.`);
    const permissions = [...new Set(input.permissions)];
    try {
      this.db.insert(roles).values({ ...input, permissions }).run();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('role_name_taken', `A role named '${input.name}' already exists.`);
      throw err;
    }
    this.changed();
    this.audit.record(actor, 'create', 'role', input.name, permissions.join(' '));
    return { name: input.name, description: input.description, permissions, builtIn: false };
  }

  /** Deletes a custom role nobody holds. */
  deleteRole(name: string, actor: Actor): void {
    if (isBuiltInRole(name)) throw new AppError('role_is_built_in', `'${name}' is a built-in role and cannot be deleted.`);
    if (!this.roles().has(name)) throw notFound('role', name);
    const holders = this.db.select({ n: sql<number>`count(*)` }).from(groupMembers).where(eq(groupMembers.role, name)).get()!.n;
    if (holders > 0) throw new AppError('role_in_use', `Role '${name}' is held by ${holders} memberships; change them first.`);
    this.db.delete(roles).where(eq(roles.name, name)).run();
    this.changed();
    this.audit.record(actor, 'delete', 'role', name);
  }

  // ---- internals ----

  private ownerOf(kind: OwnedKind, key: string): Owned | undefined {
    return this.owners[kind].get(key, (k) => this.readOwner(kind, k));
  }

  private readOwner(kind: OwnedKind, key: string): Owned | undefined {
    const table = kind === 'instance' ? instances : kind === 'image' ? images : media;
    const statement = preparedOnce(this.db, `rbac.owner.${kind}`, () =>
      this.db
        .select({ groupId: table.groupId, createdBy: table.createdBy })
        .from(table)
        .where(sql`${table.id} = ${sql.placeholder('key')} or ${table.name} = ${sql.placeholder('key')}`)
        .orderBy(sql`${table.id} = ${sql.placeholder('key')} desc`)
        .limit(1)
        .prepare(),
    );
    return statement.get({ key });
  }

  private findGroup(key: string): GroupView | undefined {
    return this.db.select().from(groups).where(sql`${groups.id} = ${key} or ${groups.name} = ${key}`).get();
  }

  private groupOrThrow(key: string): GroupView {
    const group = this.findGroup(key);
    if (!group) throw notFound('group', key);
    return group;
  }

  private unique<T>(name: string, write: () => T): T {
    try {
      return write();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('group_name_taken', `A group named '${name}' already exists.`);
      throw err;
    }
  }

  /** The custom roles; a stored permission no longer known, or admin-only (a role stored before that rule), grants nothing. */
  private roles() {
    this.customRoles ??= new Map(this.db.select().from(roles).all().map((r) => [r.name, { description: r.description, permissions: r.permissions.filter((p): p is Permission => (GROUP_PERMISSIONS as string[]).includes(p)) }]));
    return this.customRoles;
  }

  /** Forgets every cached answer (after any change to groups, memberships or roles). */
  private changed(): void {
    this.cache.clear();
    this.customRoles = undefined;
  }
}

/** 403 naming the permission the caller lacks. */
export function forbidden(perm: Permission, groupName?: string): AppError {
  return new AppError('forbidden', `This needs the permission '${perm}'${groupName ? ` in group '${groupName}'` : ''}, which you do not hold.`);
}

export type { GroupVisibility };
