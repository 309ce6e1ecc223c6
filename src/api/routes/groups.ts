/** /groups (with their members) and /roles: who belongs where, with which rights. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createGroupSchema, createRoleSchema, groupMemberSchema, updateGroupSchema } from '../../shared/groups.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';
import { doc } from '../route-doc.js';
import { groupMemberSchema as memberSchema, groupMemberSetSchema, groupSchema, pageSchema, roleSchema } from '../../shared/responses.js';

/** /groups */
export function groupRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List the groups you belong to (admins: all)', responses: { 200: pageSchema(groupSchema) } }), (c) => c.json({ items: s.rbac.listGroups(c.var.actor), nextCursor: null }))
    .post('/', doc({ summary: 'Create a group (name, description, visibility group|own)', body: createGroupSchema, responses: { 201: groupSchema } }), async (c) => c.json(s.rbac.createGroup(await jsonBody(c, createGroupSchema), c.var.actor), 201))
    .get('/:id', doc({ summary: 'Get a group', responses: { 200: groupSchema } }), (c) => c.json(s.rbac.getGroup(c.var.actor, c.req.param('id'))))
    .patch('/:id', doc({ summary: 'Change a group', body: updateGroupSchema, responses: { 200: groupSchema } }), async (c) => c.json(s.rbac.updateGroup(c.req.param('id'), await jsonBody(c, updateGroupSchema), c.var.actor)))
    .delete('/:id', doc({ summary: 'Delete a group that owns nothing (the default group stays)', responses: { 204: null } }), (c) => {
      s.rbac.deleteGroup(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    })
    .get('/:id/members', doc({ summary: "A group's members and their role in it", responses: { 200: pageSchema(memberSchema) } }), (c) => c.json({ items: s.rbac.members(c.var.actor, c.req.param('id')), nextCursor: null }))
    .post('/:id/members', doc({ summary: 'Add a member or change their role in the group', body: groupMemberSchema, responses: { 201: groupMemberSetSchema } }), async (c) => c.json(s.rbac.setMember(c.req.param('id'), await jsonBody(c, groupMemberSchema), c.var.actor), 201))
    .delete('/:id/members/:userId', doc({ summary: 'Remove a member from a group', responses: { 204: null } }), (c) => {
      s.rbac.removeMember(c.req.param('id'), c.req.param('userId'), c.var.actor);
      return c.body(null, 204);
    });
}

/** /roles */
export function roleRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'Built-in and custom roles with their permissions', responses: { 200: pageSchema(roleSchema) } }), (c) => c.json({ items: s.rbac.listRoles(), nextCursor: null }))
    .post('/', doc({ summary: 'Create a custom role (a name and a set of permissions)', body: createRoleSchema, responses: { 201: roleSchema } }), async (c) => c.json(s.rbac.createRole(await jsonBody(c, createRoleSchema), c.var.actor), 201))
    .delete('/:name', doc({ summary: 'Delete a custom role nobody holds', responses: { 204: null } }), (c) => {
      s.rbac.deleteRole(c.req.param('name'), c.var.actor);
      return c.body(null, 204);
    });
}
