/** /session/…: the caller's own sessions and password. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import { changePasswordSchema } from '../../shared/users.js';
import type { AppEnv } from '../env.js';
import { jsonBody, queryParams } from '../validate.js';
import { doc } from '../route-doc.js';
import { pageSchema, sessionSummarySchema } from '../../shared/responses.js';

/** /session/sessions and /session/password (any logged-in user). */
export function accountRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/sessions', doc({ summary: 'Your browser sessions, newest first (current marks this one)', query: pageQuerySchema, responses: { 200: pageSchema(sessionSummarySchema) } }), (c) => {
      const rows = s.auth.listSessions(c.var.actor.userId, c.var.actor.sessionId);
      // Newest first: the keys sort ascending, so the time is inverted (fixed width).
      return c.json(pageInMemory(rows, (r) => [String(9e15 - Date.parse(r.createdAt)).padStart(16, '0'), r.id], queryParams(c, pageQuerySchema)));
    })
    .delete('/sessions/:id', doc({ summary: 'End one of your sessions (at once)', responses: { 204: null } }), (c) => {
      s.auth.revokeSession(c.var.actor, c.req.param('id'));
      return c.body(null, 204);
    })
    .post('/password', doc({ summary: 'Change your password (the current one is required); your other sessions end', body: changePasswordSchema, responses: { 204: null } }), async (c) => {
      const body = await jsonBody(c, changePasswordSchema, { newPassword: 'password_too_weak' });
      await s.users.changePassword(c.var.actor, body.currentPassword, body.newPassword);
      return c.body(null, 204);
    });
}
