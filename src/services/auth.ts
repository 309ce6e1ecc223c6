/**
 * Accounts and credentials: the first-run admin, logins with sessions and CSRF tokens,
 * and API tokens. Secrets are random; only their SHA-256 is stored.
 */
import { createHash } from 'node:crypto';
import { and, eq, gt, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { StampedCache } from '../db/stamped-cache.js';
import { preparedOnce } from '../db/prepared.js';
import { apiTokens, groupMembers, sessions, users } from '../db/schema.js';
import { DEFAULT_GROUP_ID } from '../shared/permissions.js';
import { AppError, notFound, RateLimitedError } from '../lib/errors.js';
import { newId, newSecret } from '../lib/ids.js';
import { log } from '../lib/log.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import type { SecuritySettingsService } from './security-settings.js';
import { addressKey } from '../lib/address-key.js';
import { LoginThrottle } from './login-throttle.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import type { SetupCode } from '../lib/setup-code.js';
import type { UserAccount } from '../shared/users.js';

// A session's lastSeenAt is written at most once a minute (the idle timeout is counted in minutes).
const LAST_SEEN_RESOLUTION_MS = 60_000;
// An API token's lastUsedAt is kept to this resolution: a use is remembered in memory and
// written by flushTokenUse() (every TOKEN_USE_FLUSH_MS and at shutdown), never once per request.
const LAST_USED_RESOLUTION_MS = 60_000;
/** How often `onebox serve` writes the remembered API token uses to the database. */
export const TOKEN_USE_FLUSH_MS = 10_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The user an API token acts for, with the token's narrower role when it has one. */
export type ApiTokenUser = Readonly<PublicUser & { tokenRole?: string }>;

/** A known API token as {@link AuthService.resolveApiToken} keeps it between writes. */
interface CachedToken {
  tokenId: string;
  name: string;
  expiresAt: string | null;
  expiresAtMs: number;
  lastUsedAtMs: number;
  user: ApiTokenUser;
}

/** A user as the API shows it (never the hash). */
export type PublicUser = UserAccount;

/** Where a login comes from: kept with the session and in the audit log. */
export interface LoginContext {
  ip: string;
  userAgent?: string;
  requestId?: string;
}

/** A resolved session cookie. */
export interface ResolvedSession {
  user: PublicUser;
  csrfToken: string;
  sessionId: string;
  expiresAt: string;
}

/** A freshly opened session: the cookie value and the CSRF token the browser must echo. */
export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: string;
  user: PublicUser;
}

/** The API's view of a user row. */
export const publicUser = (u: typeof users.$inferSelect): PublicUser => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  email: u.email,
  role: u.role,
  disabled: u.disabled,
  createdAt: u.createdAt,
});

/** Users, sessions and API tokens. */
export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly setupCode: SetupCode,
    private readonly security: SecuritySettingsService,
    private readonly throttle = new LoginThrottle(),
  ) {
    this.tokens = new StampedCache(db);
  }

  /** The clock (ms): tests replace it to step over idle timeouts and expiries. */
  now: () => number = Date.now;
  private nowIso = () => new Date(this.now()).toISOString();

  /** API token uses not yet written: token id → when (ms). */
  private readonly tokenUses = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;
  /**
   * Known API tokens by hash, until the next write to the database (a revoke, a disabled or
   * deleted user, a changed role, a recorded use); unknown hashes are not kept.
   */
  private readonly tokens: StampedCache<string, CachedToken>;

  /** True until the initial admin exists. */
  isSetupNeeded(): boolean {
    return this.db.select({ n: sql<number>`count(*)` }).from(users).get()!.n === 0;
  }

  /**
   * At start: the setup code to show the operator while the initial admin is missing (made on
   * the first start, the same one until setup is done); undefined, and no code file, afterwards.
   */
  prepareSetup(): string | undefined {
    if (this.isSetupNeeded()) return this.setupCode.ensure();
    this.setupCode.remove();
    return undefined;
  }

  /**
   * Creates the initial admin. Refused at once (before any hashing) once a user exists; needs
   * the setup code, with wrong codes rate-limited per address like logins.
   */
  /** Throws unless setup may run: not done yet, and the right setup code (wrong ones rate-limited per address). */
  assertSetupAllowed(setupCode: string | undefined, ip: string): void {
    if (!this.isSetupNeeded()) throw new AppError('setup_already_done', 'The initial admin already exists; log in instead.');
    const keys = [`setup:${addressKey(ip)}`];
    const wait = this.throttle.retryAfterSeconds(keys);
    if (wait > 0) throw new RateLimitedError(`Too many wrong setup codes; try again in ${wait} seconds.`, wait);
    if (!this.setupCode.matches(setupCode)) {
      this.throttle.recordFailure(keys);
      log.warn('setup refused: wrong or missing setup code', { ip });
      throw new AppError('setup_code_invalid', setupCode ? 'The setup code is wrong. Use the code onebox printed when it started (also in the file setup-code in its data directory).'
          : 'Setup needs the setup code that onebox printed when it started (also in the file setup-code in its data directory).');
    }
  }

  async setupAdmin(username: string, password: string, setupCode: string | undefined, ip: string): Promise<PublicUser> {
    this.assertSetupAllowed(setupCode, ip);
    const passwordHash = await hashPassword(password);
    const user = this.db.transaction((tx) => {
      if (tx.select({ n: sql<number>`count(*)` }).from(users).get()!.n > 0)
        throw new AppError('setup_already_done', 'The initial admin already exists; log in instead.');
      const row = tx.insert(users).values({ id: newId('usr'), username, passwordHash, role: 'admin' }).returning().get();
      tx.insert(groupMembers).values({ groupId: DEFAULT_GROUP_ID, userId: row.id, role: 'admin' }).run(); // the first admin belongs to the default group
      return row;
    });
    this.setupCode.remove();
    this.audit.record({ userId: user.id, username, role: 'admin', ip }, 'setup', 'user', user.id);
    return publicUser(user);
  }

  /**
   * Checks credentials and opens a session. Failures are rate-limited per address and per
   * address+username (not per username alone, so nobody can lock the admin out from afar).
   * The attempt is counted before the slow password check, so parallel guesses are limited too.
   */
  async login(username: string, password: string, from: LoginContext | string): Promise<NewSession> {
    const ctx = typeof from === 'string' ? { ip: from } : from;
    const { ip } = ctx;
    const client = addressKey(ip);
    const keys = [`ip:${client}`, `ip-user:${client}:${username.toLowerCase()}`];
    const wait = this.throttle.retryAfterSeconds(keys);
    if (wait > 0) throw new RateLimitedError(`Too many failed logins; try again in ${wait} seconds.`, wait);
    this.throttle.recordFailure(keys);
    const user = this.db.select().from(users).where(eq(users.username, username)).get();
    // Verify against a dummy hash when the user is unknown so timing does not reveal which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      const reason = user ? 'wrong_password' : 'unknown_user';
      log.warn('login failed', { username, ip, reason });
      this.audit.record({ ip, requestId: ctx.requestId }, 'login_failed', 'user', user?.id ?? null, `username=${username} ip=${ip} reason=${reason}`, 'failed');
      throw new AppError('invalid_credentials', 'The username or password is wrong.');
    }
    this.throttle.reset(keys);
    if (user.disabled) {
      this.audit.record({ ip, requestId: ctx.requestId }, 'login_failed', 'user', user.id, `username=${username} ip=${ip} reason=disabled`, 'failed');
      throw new AppError('account_disabled', `The account '${username}' is disabled; ask an administrator to enable it.`);
    }
    if (needsRehash(user.passwordHash)) this.db.update(users).set({ passwordHash: await hashPassword(password) }).where(eq(users.id, user.id)).run();
    this.pruneExpiredSessions();
    const session = this.openSession(user.id, ctx);
    this.audit.record({ userId: user.id, username, role: user.role, ip, requestId: ctx.requestId, sessionId: session.id }, 'login', 'user', user.id);
    return { token: session.token, csrfToken: session.csrfToken, expiresAt: session.expiresAt, user: publicUser(user) };
  }

  /** Stores a new session for a user (its absolute end from the settings). */
  private openSession(userId: string, ctx: LoginContext) {
    const token = newSecret();
    const csrfToken = newSecret(24);
    const now = this.now();
    const expiresAt = new Date(now + this.security.get().sessionLifetimeHours * 3600_000).toISOString();
    const id = newId('ses');
    const at = new Date(now).toISOString();
    this.db
      .insert(sessions)
      .values({ id, tokenHash: sha256(token), userId, csrfToken, expiresAt, createdAt: at, lastSeenAt: at, ip: ctx.ip, userAgent: ctx.userAgent?.slice(0, 300) ?? null })
      .run();
    return { id, token, csrfToken, expiresAt };
  }

  /**
   * The user and CSRF token behind a session cookie, or undefined when unknown, past its
   * absolute end, idle longer than the idle timeout, or its user is disabled. A use is
   * written (lastSeenAt) at most once a minute.
   */
  resolveSession(token: string): ResolvedSession | undefined {
    const now = this.now();
    const row = preparedOnce(this.db, 'auth.session', () =>
      this.db
        .select({ user: users, csrfToken: sessions.csrfToken, id: sessions.id, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(and(eq(sessions.tokenHash, sql.placeholder('hash')), gt(sessions.expiresAt, sql.placeholder('now')), eq(users.disabled, false)))
        .prepare(),
    ).get({ hash: sha256(token), now: new Date(now).toISOString() });
    if (!row) return undefined;
    const { sessionIdleMinutes, sessionLifetimeHours } = this.security.get();
    const lastSeen = Date.parse(row.lastSeenAt ?? row.createdAt);
    if (now - lastSeen >= sessionIdleMinutes * 60_000 || now - Date.parse(row.createdAt) >= sessionLifetimeHours * 3600_000) {
      this.db.delete(sessions).where(eq(sessions.id, row.id)).run();
      return undefined;
    }
    if (!(Math.abs(now - lastSeen) < LAST_SEEN_RESOLUTION_MS)) this.db.update(sessions).set({ lastSeenAt: new Date(now).toISOString() }).where(eq(sessions.id, row.id)).run();
    return { user: publicUser(row.user), csrfToken: row.csrfToken, sessionId: row.id, expiresAt: row.expiresAt };
  }

  /** Deletes expired and idle sessions (at each login and periodically); returns how many. */
  pruneExpiredSessions(): number {
    const idleSince = new Date(this.now() - this.security.get().sessionIdleMinutes * 60_000).toISOString();
    const ended = or(lte(sessions.expiresAt, this.nowIso()), lte(sql`coalesce(${sessions.lastSeenAt}, ${sessions.createdAt})`, idleSince));
    return this.db.delete(sessions).where(ended).run().changes;
  }

  /** The user's open sessions, newest first; `current` marks the one given. */
  listSessions(userId: string, currentId: string | undefined) {
    const idleSince = new Date(this.now() - this.security.get().sessionIdleMinutes * 60_000).toISOString();
    return this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, this.nowIso()), gt(sql`coalesce(${sessions.lastSeenAt}, ${sessions.createdAt})`, idleSince)))
      .all()
      .map((r) => ({ id: r.id, createdAt: r.createdAt, lastSeenAt: r.lastSeenAt ?? r.createdAt, expiresAt: r.expiresAt, ip: r.ip, userAgent: r.userAgent, current: r.id === currentId }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /** Ends one of the caller's sessions (404 for anyone else's). */
  revokeSession(actor: Actor, id: string): void {
    const result = this.db.delete(sessions).where(and(eq(sessions.id, id), eq(sessions.userId, actor.userId))).run();
    if (result.changes === 0) throw notFound('session', id);
    this.audit.record(actor, 'session.revoke', 'session', id);
  }

  /** Ends every session of a user except `keepId`; returns how many ended. */
  endSessions(userId: string, keepId?: string): number {
    const where = keepId ? and(eq(sessions.userId, userId), ne(sessions.id, keepId)) : eq(sessions.userId, userId);
    return this.db.delete(sessions).where(where).run().changes;
  }

  /** Ends a session (audited when it was open). */
  logout(token: string, from?: LoginContext): void {
    const row = this.db.delete(sessions).where(eq(sessions.tokenHash, sha256(token))).returning({ id: sessions.id, userId: sessions.userId }).get();
    const user = row && this.db.select({ username: users.username }).from(users).where(eq(users.id, row.userId)).get();
    if (row) this.audit.record({ ...from, userId: row.userId, username: user?.username }, 'logout', 'session', row.id);
  }

  /**
   * Creates an API token, valid for `expiresInDays` when given and acting with the narrower
   * `role` when given; the secret is returned once and never stored.
   */
  createApiToken(actor: Actor, name: string, opts: { expiresInDays?: number; role?: string } = {}) {
    const { expiresInDays, role } = opts;
    const token = `obt_${newSecret()}`;
    const expiresAt = expiresInDays === undefined ? null : new Date(this.now() + expiresInDays * 86400_000).toISOString();
    const row = this.db
      .insert(apiTokens)
      .values({ id: newId('tok'), userId: actor.userId, name, tokenHash: sha256(token), expiresAt, role: role ?? null })
      .returning()
      .get();
    this.audit.record(actor, 'create', 'api_token', row.id, name);
    return { id: row.id, name: row.name, role: row.role, createdAt: row.createdAt, expiresAt: row.expiresAt, token };
  }

  /** The caller's tokens (without secrets). */
  listApiTokens(actor: Actor) {
    return this.db
      .select({ id: apiTokens.id, name: apiTokens.name, role: apiTokens.role, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt, expiresAt: apiTokens.expiresAt })
      .from(apiTokens)
      .where(eq(apiTokens.userId, actor.userId))
      .all();
  }

  /** Revokes one of the caller's tokens. */
  deleteApiToken(actor: Actor, id: string): void {
    const result = this.db.delete(apiTokens).where(and(eq(apiTokens.id, id), eq(apiTokens.userId, actor.userId))).run();
    if (result.changes === 0) throw notFound('api_token', id);
    this.audit.record(actor, 'delete', 'api_token', id);
  }

  /**
   * The user behind an API token, or undefined when unknown, revoked or its user is disabled;
   * throws `token_expired` past its expiry. Known tokens are served from memory until the next
   * write to the database (see {@link StampedCache}), so a revocation, a disabled user or a
   * changed role works at once. A use is remembered in memory when the stored lastUsedAt is a
   * minute old or more (see {@link flushTokenUse}).
   */
  resolveApiToken(token: string): ApiTokenUser | undefined {
    const hash = sha256(token);
    const found = this.tokens.get(hash, this.loadToken);
    if (!found) return undefined;
    const now = this.now();
    if (found.expiresAtMs <= now) throw new AppError('token_expired', `The API token '${found.name}' expired at ${found.expiresAt}; create a new one.`);
    if (!(Math.abs(now - found.lastUsedAtMs) < LAST_USED_RESOLUTION_MS)) this.tokenUses.set(found.tokenId, now); // also when unset, unreadable or the clock went back
    return found.user;
  }

  /** Reads a token and its (enabled) user from the database. */
  private readonly loadToken = (hash: string): CachedToken | undefined => {
    const row = preparedOnce(this.db, 'auth.token', () =>
      this.db
        .select({ user: users, tokenId: apiTokens.id, name: apiTokens.name, lastUsedAt: apiTokens.lastUsedAt, expiresAt: apiTokens.expiresAt, tokenRole: apiTokens.role })
        .from(apiTokens)
        .innerJoin(users, eq(users.id, apiTokens.userId))
        .where(and(eq(apiTokens.tokenHash, sql.placeholder('hash')), eq(users.disabled, false)))
        .prepare(),
    ).get({ hash });
    if (!row) return undefined;
    const user = row.tokenRole === null ? publicUser(row.user) : { ...publicUser(row.user), tokenRole: row.tokenRole };
    const cached: CachedToken = {
      tokenId: row.tokenId,
      name: row.name,
      expiresAt: row.expiresAt,
      expiresAtMs: row.expiresAt ? Date.parse(row.expiresAt) : Infinity,
      lastUsedAtMs: row.lastUsedAt ? Date.parse(row.lastUsedAt) : NaN,
      user: Object.freeze(user),
    };
    return cached;
  };

  /**
   * Writes the remembered API token uses (one transaction); a token whose stored lastUsedAt is
   * less than a minute old keeps it. Returns how many tokens were written.
   */
  flushTokenUse(): number {
    if (this.tokenUses.size === 0) return 0;
    const uses = [...this.tokenUses];
    this.tokenUses.clear();
    return this.db.transaction((tx) => {
      let written = 0;
      for (const [id, at] of uses) {
        const when = new Date(at).toISOString();
        const notRecent = or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, new Date(at - LAST_USED_RESOLUTION_MS).toISOString()), gt(apiTokens.lastUsedAt, when));
        written += tx.update(apiTokens).set({ lastUsedAt: when }).where(and(eq(apiTokens.id, id), notRecent)).run().changes;
      }
      return written;
    });
  }

  /** Flushes token uses every `intervalMs` until {@link stopTokenUseFlush} (which flushes once more). */
  startTokenUseFlush(intervalMs = TOKEN_USE_FLUSH_MS): void {
    this.flushTimer ??= setInterval(() => {
      try {
        this.flushTokenUse();
      } catch (err) {
        log.warn('could not record API token use', { error: String(err) });
      }
    }, intervalMs).unref();
  }

  /** Stops the periodic flush and writes what is pending (at shutdown). */
  stopTokenUseFlush(): void {
    clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    this.flushTokenUse();
  }
}

// A valid hash of a random password, used to spend the same time on unknown usernames.
const DUMMY_HASH = 'scrypt$32768$8$3$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
