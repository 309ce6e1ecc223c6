/**
 * User accounts managed by an admin (create, change, disable, delete, reset a password) and
 * a user's own password change. A disabled user's sessions end at once and their tokens are
 * refused; deleting a user ends their sessions and tokens, and what they made stays.
 */
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { users } from '../db/schema.js';
import { AppError, notFound, RateLimitedError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { pageInMemory } from '../lib/paging.js';
import type { Page } from '../lib/paging.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import { publicUser, type AuthService, type PublicUser } from './auth.js';
import { LoginThrottle } from './login-throttle.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** What an admin gives to create a user. */
export interface NewUser {
  username: string;
  password: string;
  displayName?: string;
  email?: string;
  role: 'admin' | 'user';
}

/** What an admin may change of a user. */
export interface UserChange {
  displayName?: string;
  email?: string;
  role?: 'admin' | 'user';
  disabled?: boolean;
}

/** Accounts and passwords. */
export class UsersService {
  constructor(
    private readonly db: Db,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly throttle = new LoginThrottle(),
  ) {}

  /** Users by username, a page at a time; `q` keeps usernames starting with it (any case). */
  list(query: { limit: number; cursor?: string; q?: string }): Page<PublicUser> {
    const rows = this.db.select().from(users).orderBy(asc(users.username)).all().map(publicUser);
    const q = query.q?.toLowerCase();
    return pageInMemory(q ? rows.filter((u) => u.username.toLowerCase().startsWith(q)) : rows, (u) => [u.username, u.id], query);
  }

  /** One user by id or username; 404 `user_not_found` otherwise. */
  get(key: string): PublicUser {
    return publicUser(this.row(key));
  }

  private row(key: string) {
    const row = this.db.select().from(users).where(eq(users.id, key)).get() ?? this.db.select().from(users).where(eq(users.username, key)).get();
    if (!row) throw notFound('user', key);
    return row;
  }

  /** Creates a user (the password already follows the rule: the schema checked it). */
  async create(input: NewUser, actor: Actor): Promise<PublicUser> {
    this.assertUsernameFree(input.username);
    const passwordHash = await hashPassword(input.password);
    this.assertUsernameFree(input.username); // hashing awaited: someone may have taken it meanwhile
    const row = this.db
      .insert(users)
      .values({ id: newId('usr'), username: input.username, passwordHash, role: input.role, displayName: input.displayName ?? '', email: input.email ?? '' })
      .returning()
      .get();
    this.audit.record(actor, 'user.create', 'user', row.id, `username=${row.username} role=${row.role}`);
    return publicUser(row);
  }

  private assertUsernameFree(username: string): void {
    const taken = this.db.select({ id: users.id }).from(users).where(sql`lower(${users.username}) = ${username.toLowerCase()}`).get();
    if (taken) throw new AppError('username_taken', `The username '${username}' is taken; choose another.`);
  }

  /** Changes a user; refuses to disable or demote yourself or the last enabled admin. Disabling ends their sessions. */
  update(key: string, change: UserChange, actor: Actor): PublicUser {
    const row = this.row(key);
    const losesAdmin = (change.role === 'user' || change.disabled === true) && row.role === 'admin' && !row.disabled;
    if ((change.disabled === true || change.role === 'user') && row.id === actor.userId)
      throw new AppError('user_is_self', 'You cannot disable yourself or take away your own admin role; ask another admin.');
    if (losesAdmin) this.assertAnotherAdmin(row.id, row.username);
    const updated = this.db.update(users).set(change).where(eq(users.id, row.id)).returning().get();
    if (change.disabled === true) this.auth.endSessions(row.id);
    this.audit.record(actor, 'user.update', 'user', row.id, JSON.stringify(change));
    return publicUser(updated);
  }

  /** Deletes a user (not yourself, not the last enabled admin); their sessions and tokens go, what they made stays. */
  delete(key: string, actor: Actor): void {
    const row = this.row(key);
    if (row.id === actor.userId) throw new AppError('user_is_self', 'You cannot delete your own account; ask another admin.');
    if (row.role === 'admin' && !row.disabled) this.assertAnotherAdmin(row.id, row.username);
    this.db.delete(users).where(eq(users.id, row.id)).run();
    this.audit.record(actor, 'user.delete', 'user', row.id, `username=${row.username}`);
  }

  private assertAnotherAdmin(exceptId: string, username: string): void {
    const other = this.db.select({ id: users.id }).from(users).where(and(eq(users.role, 'admin'), eq(users.disabled, false), ne(users.id, exceptId))).get();
    if (!other) throw new AppError('last_admin', `'${username}' is the last enabled admin; make another user admin first.`);
  }

  /** An admin sets a new password for a user; every session of that user ends. */
  async resetPassword(key: string, newPassword: string, actor: Actor): Promise<void> {
    const row = this.row(key);
    const passwordHash = await hashPassword(newPassword);
    this.db.update(users).set({ passwordHash }).where(eq(users.id, row.id)).run();
    this.auth.endSessions(row.id);
    this.audit.record(actor, 'user.reset_password', 'user', row.id);
  }

  /**
   * Changes the caller's own password after checking the current one (wrong guesses are
   * rate-limited per user); the caller's other sessions end, the current one stays.
   */
  async changePassword(actor: Actor, currentPassword: string, newPassword: string): Promise<void> {
    const keys = [`password:${actor.userId}`];
    const wait = this.throttle.retryAfterSeconds(keys);
    if (wait > 0) throw new RateLimitedError(`Too many wrong current passwords; try again in ${wait} seconds.`, wait);
    const row = this.row(actor.userId);
    if (!(await verifyPassword(currentPassword, row.passwordHash))) {
      this.throttle.recordFailure(keys);
      this.audit.record(actor, 'user.change_password', 'user', row.id, 'reason=current_password_wrong', 'failed');
      throw new AppError('current_password_wrong', 'The current password is wrong; type the password you logged in with.');
    }
    this.throttle.reset(keys);
    this.db.update(users).set({ passwordHash: await hashPassword(newPassword) }).where(eq(users.id, row.id)).run();
    const ended = this.auth.endSessions(row.id, actor.sessionId);
    this.audit.record(actor, 'user.change_password', 'user', row.id, `sessions_ended=${ended}`);
  }
}
