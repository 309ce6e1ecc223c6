/**
 * Authentication middleware: a session cookie (with a CSRF token required on every unsafe
 * method) or an `Authorization: Bearer` API token. Sets `actor` for the routes behind it.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { ForbiddenError, UnauthorizedError } from '../lib/errors.js';
import type { AuthService, NewSession } from '../services/auth.js';
import { clientIp, type AppEnv } from './env.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'onebox_session';
/** Header carrying the CSRF token on cookie-authenticated unsafe requests. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure behind HTTPS. */
export function setSessionCookie(c: Context, session: NewSession): void {
  setCookie(c, SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
    path: '/',
    expires: new Date(session.expiresAt),
  });
}

/** Clears the session cookie. */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}

/** Requires a valid session or API token. */
export function requireAuth(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const user = match ? auth.resolveApiToken(match[1]) : undefined;
      if (!user) throw new UnauthorizedError('The API token is unknown or revoked.', 'invalid_token');
      c.set('actor', { userId: user.id, username: user.username, role: user.role, ip: clientIp(c) });
      return next();
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    const session = cookie ? auth.resolveSession(cookie) : undefined;
    if (!session) throw new UnauthorizedError();
    if (!SAFE_METHODS.has(c.req.method) && c.req.header(CSRF_HEADER) !== session.csrfToken)
      throw new ForbiddenError(`Cookie-authenticated requests that change things need the ${CSRF_HEADER} header from the login response.`, 'csrf_token_invalid');
    c.set('actor', { userId: session.user.id, username: session.user.username, role: session.user.role, ip: clientIp(c) });
    return next();
  };
}
