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
      const session = await s.auth.login(body.username, body.password, clientIp(c));
      setSessionCookie(c, session);
      const permissions = s.rbac.effective({ userId: session.user.id, username: session.user.username, role: session.user.role, ip: clientIp(c) });
      return c.json({ user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt, permissions }, 201);
    })
    .get('/session', (c) => {
      const token = sessionToken(c);
      const session = token ? s.auth.resolveSession(token) : undefined;
      if (!session) throw new AppError('unauthenticated', 'Not logged in.');
      const actor = { userId: session.user.id, username: session.user.username, role: session.user.role, ip: clientIp(c) };
      return c.json({ ...session, permissions: s.rbac.effective(actor) });
    })
    .delete('/session', (c) => {
      const token = sessionToken(c);
      if (token) s.auth.logout(token);
      clearSessionCookie(c);
      return c.body(null, 204);
    });
}
