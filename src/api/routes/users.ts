/** /users: accounts, managed by an admin. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createUserSchema, resetPasswordSchema, updateUserSchema, userListQuerySchema } from '../../shared/users.js';
import { requireAdmin } from '../auth.js';
import type { AppEnv } from '../env.js';
import { jsonBody, queryParams } from '../validate.js';

const weak = { password: 'password_too_weak', newPassword: 'password_too_weak' } as const;

/** /users (admin only). */
export function userRoutes(s: Services) {
  return new Hono<AppEnv>()
    .use('*', requireAdmin)
    .get('/', (c) => c.json(s.users.list(queryParams(c, userListQuerySchema))))
    .post('/', async (c) => {
      const body = await jsonBody(c, createUserSchema, weak);
      const user = await s.users.create(body, c.var.actor);
      c.header('location', `/api/v1/users/${user.id}`);
      return c.json(user, 201);
    })
    .get('/:id', (c) => c.json(s.users.get(c.req.param('id'))))
    .patch('/:id', async (c) => c.json(s.users.update(c.req.param('id'), await jsonBody(c, updateUserSchema), c.var.actor)))
    .delete('/:id', (c) => {
      s.users.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    })
    .post('/:id/actions/reset-password', async (c) => {
      const body = await jsonBody(c, resetPasswordSchema, weak);
      await s.users.resetPassword(c.req.param('id'), body.newPassword, c.var.actor);
      return c.body(null, 204);
    });
}
