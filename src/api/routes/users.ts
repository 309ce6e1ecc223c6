/** /users: accounts, managed by an admin. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createUserSchema, resetPasswordSchema, updateUserSchema, userListQuerySchema } from '../../shared/users.js';
import type { AppEnv } from '../env.js';
import { jsonBody, queryParams } from '../validate.js';
import { doc } from '../route-doc.js';
import { pageSchema, userAccountSchema } from '../../shared/responses.js';

const weak = { password: 'password_too_weak', newPassword: 'password_too_weak' } as const;

/** /users (callers holding `users.manage`, see route-permissions.ts). */
export function userRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List user accounts (admins); ?q= a username prefix', query: userListQuerySchema, responses: { 200: pageSchema(userAccountSchema) } }), (c) => c.json(s.users.list(queryParams(c, userListQuerySchema))))
    .post('/', doc({ summary: 'Create a user account (admins); the password follows the password rule', body: createUserSchema, responses: { 201: userAccountSchema } }), async (c) => {
      const body = await jsonBody(c, createUserSchema, weak);
      const user = await s.users.create(body, c.var.actor);
      c.header('location', `/api/v1/users/${user.id}`);
      return c.json(user, 201);
    })
    .get('/:id', doc({ summary: 'Get a user account (admins; id or username)', responses: { 200: userAccountSchema } }), (c) => c.json(s.users.get(c.req.param('id'))))
    .patch('/:id', doc({ summary: 'Change display name, e-mail, role or disabled (admins)', description: 'Disabling ends the sessions and stops the tokens at once. Not yourself (409 user_is_self), not the last enabled admin (409 last_admin).', body: updateUserSchema, responses: { 200: userAccountSchema } }), async (c) => c.json(s.users.update(c.req.param('id'), await jsonBody(c, updateUserSchema), c.var.actor)))
    .delete('/:id', doc({ summary: 'Delete a user account (admins; not yourself, not the last enabled admin); what they made stays', responses: { 204: null } }), (c) => {
      s.users.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    })
    .post('/:id/actions/reset-password', doc({ summary: "Set another user's password (admins); their sessions end", body: resetPasswordSchema, responses: { 204: null } }), async (c) => {
      const body = await jsonBody(c, resetPasswordSchema, weak);
      await s.users.resetPassword(c.req.param('id'), body.newPassword, c.var.actor);
      return c.body(null, 204);
    });
}
