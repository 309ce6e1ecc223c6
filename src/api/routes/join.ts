/** /join-tokens (admins: create, list, revoke) and /join (a new server, guarded only by its token). */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createJoinTokenSchema, joinRequestSchema } from '../../shared/join.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';

/** /join-tokens */
export function joinTokenRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.join.listTokens(c.var.actor) }))
    .post('/', async (c) => {
      const body = await jsonBody(c, createJoinTokenSchema);
      return c.json(s.join.createToken(c.var.actor, body.expiresInMinutes), 201);
    })
    .delete('/:id', (c) => {
      s.join.revokeToken(c.var.actor, c.req.param('id'));
      return c.body(null, 204);
    });
}

/** /join: public; the token is the credential. */
export function joinRoutes(s: Services) {
  return new Hono<AppEnv>().post('/', async (c) => c.json(await s.join.join(await jsonBody(c, joinRequestSchema), c.var.clientIp), 201));
}
