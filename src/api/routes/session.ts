/** First-run setup, login and logout. */
import { Hono } from 'hono';
import { AppError } from '../../lib/errors.js';
import type { Services } from '../../services/index.js';
import { loginSchema, setupSchema } from '../../shared/schemas.js';
import { clearSessionCookie, sessionToken, setSessionCookie } from '../auth.js';
import { clientIp, type AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';

/** Routes that work without being logged in. */
export function sessionRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/setup', (c) => c.json({ needed: s.auth.isSetupNeeded() }))
    .post('/setup', async (c) => {
      const body = await jsonBody(c, setupSchema, { password: 'password_too_weak' });
      return c.json(await s.setup.run(body, clientIp(c)), 201);
    })
    .post('/sessions', async (c) => {
      const body = await jsonBody(c, loginSchema);
      const session = await s.auth.login(body.username, body.password, { ip: clientIp(c), userAgent: c.req.header('user-agent'), requestId: c.var.requestId });
      setSessionCookie(c, session);
      return c.json({ user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt }, 201);
    })
    .get('/session', (c) => {
      // With an API token: who the token belongs to (no CSRF token: none is needed).
      const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
      if (bearer) {
        const user = s.auth.resolveApiToken(bearer[1]);
        if (!user) throw new AppError('invalid_token', 'The API token is unknown or revoked, or its user is disabled.');
        return c.json({ user });
      }
      const token = sessionToken(c);
      const session = token ? s.auth.resolveSession(token) : undefined;
      if (!session) throw new AppError('unauthenticated', 'Not logged in.');
      return c.json({ user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt, sessionId: session.sessionId });
    })
    .delete('/session', (c) => {
      const token = sessionToken(c);
      if (token) s.auth.logout(token, { ip: clientIp(c), requestId: c.var.requestId });
      clearSessionCookie(c);
      return c.body(null, 204);
    });
}
