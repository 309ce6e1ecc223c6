/** First-run setup, login and logout. */
import { Hono } from 'hono';
import { AppError } from '../../lib/errors.js';
import type { Services } from '../../services/index.js';
import { loginSchema, setupSchema } from '../../shared/schemas.js';
import { actorOf, clearSessionCookie, sessionToken, setSessionCookie } from '../auth.js';
import { clientIp, type AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';
import { doc } from '../route-doc.js';
import { sessionSchema, setupStateSchema, userAccountSchema } from '../../shared/responses.js';

/** Routes that work without being logged in. */
export function sessionRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/setup', doc({ summary: 'Whether the initial admin must still be created', public: true, responses: { 200: setupStateSchema } }), (c) => c.json({ needed: s.auth.isSetupNeeded() }))
    .post('/setup', doc({ summary: 'Create the initial admin (with the setup code onebox printed at its first start)', public: true, body: setupSchema, responses: { 201: userAccountSchema } }), async (c) => {
      const body = await jsonBody(c, setupSchema, { password: 'password_too_weak' });
      return c.json(await s.setup.run(body, clientIp(c)), 201);
    })
    .post('/sessions', doc({ summary: 'Log in (sets the session cookie; returns the CSRF token)', public: true, body: loginSchema, responses: { 201: sessionSchema } }), async (c) => {
      const body = await jsonBody(c, loginSchema);
      const session = await s.auth.login(body.username, body.password, { ip: clientIp(c), userAgent: c.req.header('user-agent'), requestId: c.var.requestId });
      setSessionCookie(c, session);
      const permissions = s.rbac.effective(actorOf(c, session.user));
      return c.json({ user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt, permissions }, 201);
    })
    .get('/session', doc({ summary: 'Who you are: with a session cookie, the session and its CSRF token; with an API token, its user', public: true, responses: { 200: sessionSchema } }), (c) => {
      // With an API token: who the token belongs to (no CSRF token: none is needed).
      const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
      if (bearer) {
        const user = s.auth.resolveApiToken(bearer[1]);
        if (!user) throw new AppError('invalid_token', 'The API token is unknown or revoked, or its user is disabled.');
        const { tokenRole, ...publicUser } = user;
        return c.json({ user: publicUser, permissions: s.rbac.effective(actorOf(c, user)) });
      }
      const token = sessionToken(c);
      const session = token ? s.auth.resolveSession(token) : undefined;
      if (!session) throw new AppError('unauthenticated', 'Not logged in.');
      return c.json({ user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt, sessionId: session.sessionId, permissions: s.rbac.effective(actorOf(c, session.user, session.sessionId)) });
    })
    .delete('/session', doc({ summary: 'Log out', public: true, responses: { 204: null } }), (c) => {
      const token = sessionToken(c);
      if (token) s.auth.logout(token, { ip: clientIp(c), requestId: c.var.requestId });
      clearSessionCookie(c);
      return c.body(null, 204);
    });
}
