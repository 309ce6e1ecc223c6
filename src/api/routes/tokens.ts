/** API tokens of the logged-in user. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createTokenSchema } from '../../shared/schemas.js';
import { pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { jsonBody, queryParams } from '../validate.js';
import { doc } from '../route-doc.js';
import { apiTokenCreatedSchema, apiTokenSchema, pageSchema } from '../../shared/responses.js';

/** /tokens */
export function tokenRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List your API tokens (never their secrets)', query: pageQuerySchema, responses: { 200: pageSchema(apiTokenSchema) } }), (c) => c.json(pageInMemory(s.auth.listApiTokens(c.var.actor), (t) => [t.createdAt, t.id], queryParams(c, pageQuerySchema))))
    .post('/', doc({ summary: 'Create an API token (the secret is shown once)', body: createTokenSchema, responses: { 201: apiTokenCreatedSchema } }), async (c) => {
      const body = await jsonBody(c, createTokenSchema);
      if (body.role !== undefined) s.rbac.assertTokenRole(c.var.actor, body.role);
      return c.json(s.auth.createApiToken(c.var.actor, body.name, { expiresInDays: body.expiresInDays, role: body.role }), 201);
    })
    .delete('/:id', doc({ summary: 'Revoke an API token', responses: { 204: null } }), (c) => {
      s.auth.deleteApiToken(c.var.actor, c.req.param('id'));
      return c.body(null, 204);
    });
}
