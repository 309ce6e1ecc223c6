/** API tokens of the logged-in user. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createTokenSchema } from '../../shared/schemas.js';
import { pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { jsonBody, queryParams } from '../validate.js';

/** /tokens */
export function tokenRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json(pageInMemory(s.auth.listApiTokens(c.var.actor), (t) => [t.createdAt, t.id], queryParams(c, pageQuerySchema))))
    .post('/', async (c) => {
      const body = await jsonBody(c, createTokenSchema);
      return c.json(s.auth.createApiToken(c.var.actor, body.name, body.expiresInDays), 201);
    })
    .delete('/:id', (c) => {
      s.auth.deleteApiToken(c.var.actor, c.req.param('id'));
      return c.body(null, 204);
    });
}
