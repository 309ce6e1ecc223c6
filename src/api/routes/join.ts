/** /join-tokens (admins: create, list, revoke) and /join (a new server, guarded only by its token). */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createJoinTokenSchema, joinRequestSchema } from '../../shared/join.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';
import { doc } from '../route-doc.js';
import { itemsSchema, joinAnswerSchema, joinTokenSchema, newJoinTokenSchema } from '../../shared/responses.js';

/** /join-tokens */
export function joinTokenRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List join tokens (admins; never their secrets)', responses: { 200: itemsSchema(joinTokenSchema) } }), (c) => c.json({ items: s.join.listTokens() }))
    .post('/', doc({ summary: 'Create a one-time join token (admins; default 1 h): the secret, the certificate fingerprint to pin and the `onebox join` command, shown once', body: createJoinTokenSchema, responses: { 201: newJoinTokenSchema } }), async (c) => {
      const body = await jsonBody(c, createJoinTokenSchema);
      return c.json(s.join.createToken(c.var.actor, body.expiresInMinutes), 201);
    })
    .delete('/:id', doc({ summary: 'Revoke a join token (admins)', responses: { 204: null } }), (c) => {
      s.join.revokeToken(c.var.actor, c.req.param('id'));
      return c.body(null, 204);
    });
}

/** /join: public; the token is the credential. */
export function joinRoutes(s: Services) {
  return new Hono<AppEnv>().post('/', doc({ summary: 'A new server joins (sent by `onebox join`; no login, the token is the credential): its CSR is signed by the CA', body: joinRequestSchema, responses: { 201: joinAnswerSchema } }), async (c) => c.json(await s.join.join(await jsonBody(c, joinRequestSchema), c.var.clientIp), 201));
}
