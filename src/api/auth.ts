/**
 * Authentication middleware: a session cookie (with a CSRF token required on every unsafe
 * method) or an `Authorization: Bearer` API token. Sets `actor` for the routes behind it.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { AppError } from '../lib/errors.js';
import type { Actor } from '../services/actor.js';
import type { AuthService, NewSession } from '../services/auth.js';
import { clientIp, type AppEnv } from './env.js';

/**
 * Name of the session cookie over HTTPS: the `__Host-` prefix makes browsers refuse it unless it
 * is Secure, host-only and for path /, so a sibling subdomain cannot plant one.
 */
export const SESSION_COOKIE = '__Host-onebox_session';
/** Name of the session cookie over plain HTTP (`--insecure-http` without a TLS proxy in front). */
export const PLAIN_SESSION_COOKIE = 'onebox_session';
/** Header carrying the CSRF token on cookie-authenticated unsafe requests. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session cookie's name for this request: `__Host-onebox_session` over HTTPS. */
export const sessionCookieName = (c: Context<AppEnv>) => (c.var.secure ? SESSION_COOKIE : PLAIN_SESSION_COOKIE);

/** The session token the request carries, if any. */
export const sessionToken = (c: Context<AppEnv>) => getCookie(c, sessionCookieName(c));

/** Sets the session cookie: HttpOnly, SameSite=Strict, and over HTTPS Secure with the `__Host-` prefix. */
export function setSessionCookie(c: Context<AppEnv>, session: NewSession): void {
  setCookie(c, sessionCookieName(c), session.token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: c.var.secure,
    path: '/',
    expires: new Date(session.expiresAt),
  });
}

/** Clears the session cookie. */
export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, sessionCookieName(c), { path: '/', secure: c.var.secure });
}

/** The actor of a request made by `user` (with an API token's narrower role, or from a browser session). */
export function actorOf(c: Context<AppEnv>, user: { id: string; username: string; role: Actor['role']; tokenRole?: string }, sessionId?: string): Actor {
  return {
    userId: user.id, username: user.username, role: user.role, ip: clientIp(c), requestId: c.get('requestId'),
    ...(user.tokenRole === undefined ? {} : { tokenRole: user.tokenRole }),
    ...(sessionId === undefined ? {} : { sessionId }),
  };
}

/** Requires an API token (`Authorization: Bearer`); sessions do not count (for `/metrics`, which scrapers call). */
export function requireApiToken(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!match) throw new AppError('unauthenticated', 'Present an API token (Authorization: Bearer obt_…) to read the metrics.');
    const user = auth.resolveApiToken(match[1]);
    if (!user) throw new AppError('invalid_token', 'The API token is unknown or revoked.');
    c.set('actor', actorOf(c, user));
    return next();
  };
}

/** Requires a valid session or API token. */
export function requireAuth(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const user = match ? auth.resolveApiToken(match[1]) : undefined;
      if (!user) throw new AppError('invalid_token', "The API token is unknown or revoked, or its user is disabled.");
      c.set('actor', actorOf(c, user));
      return next();
    }
    const cookie = sessionToken(c);
    const session = cookie ? auth.resolveSession(cookie) : undefined;
    if (!session) throw new AppError('unauthenticated', 'Log in or present an API token to use this endpoint.');
    if (!SAFE_METHODS.has(c.req.method) && c.req.header(CSRF_HEADER) !== session.csrfToken)
      throw new AppError('csrf_token_invalid', `Cookie-authenticated requests that change things need the ${CSRF_HEADER} header from the login response.`);
    c.set('actor', actorOf(c, session.user, session.sessionId));
    return next();
  };
}
