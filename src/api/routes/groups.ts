/** /groups (with their members) and /roles: who belongs where, with which rights. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createGroupSchema, createRoleSchema, groupMemberSchema, updateGroupSchema } from '../../shared/groups.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';

/** /groups */
export function groupRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.rbac.listGroups(c.var.actor), nextCursor: null }))
    .post('/', async (c) => c.json(s.rbac.createGroup(await jsonBody(c, createGroupSchema), c.var.actor), 201))
    .get('/:id', (c) => c.json(s.rbac.getGroup(c.var.actor, c.req.param('id'))))
    .patch('/:id', async (c) => c.json(s.rbac.updateGroup(c.req.param('id'), await jsonBody(c, updateGroupSchema), c.var.actor)))
    .delete('/:id', (c) => {
      s.rbac.deleteGroup(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    })
    .get('/:id/members', (c) => c.json({ items: s.rbac.members(c.var.actor, c.req.param('id')), nextCursor: null }))
    .post('/:id/members', async (c) => c.json(s.rbac.setMember(c.req.param('id'), await jsonBody(c, groupMemberSchema), c.var.actor), 201))
    .delete('/:id/members/:userId', (c) => {
      s.rbac.removeMember(c.req.param('id'), c.req.param('userId'), c.var.actor);
      return c.body(null, 204);
    });
}

/** /roles */
export function roleRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.rbac.listRoles(), nextCursor: null }))
    .post('/', async (c) => c.json(s.rbac.createRole(await jsonBody(c, createRoleSchema), c.var.actor), 201))
    .delete('/:name', (c) => {
      s.rbac.deleteRole(c.req.param('name'), c.var.actor);
      return c.body(null, 204);
    });
}
