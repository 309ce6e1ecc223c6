/** Read-only catalogues: operations, hosts, compute pools, audit log. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { z } from 'zod';
import type { AppEnv } from '../env.js';
import { createPoolSchema, updateHostSchema } from '../../shared/schemas.js';
import { jsonBody, queryParams } from '../validate.js';

const operationsQuery = z.object({ target: z.string().max(64).optional() }).strict();

/** /operations */
export function operationRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.operations.list(queryParams(c, operationsQuery).target) }))
    .get('/:id', (c) => c.json(s.operations.get(c.req.param('id'))));
}

/** /hosts */
export function hostRoutes(s: Services) {
  // Only the local host's disk is measurable from here; peers will report their own.
  const view = async (h: ReturnType<Services['hosts']['get']>) => ({
    ...h,
    online: s.hosts.isOnline(h.id),
    ...(h.isLocal ? await s.hosts.diskUsage() : {}),
  });
  return new Hono<AppEnv>()
    .get('/', async (c) => c.json({ items: await Promise.all(s.hosts.list().map(view)) }))
    .get('/:id', async (c) => c.json(await view(s.hosts.get(c.req.param('id')))))
    .patch('/:id', async (c) => {
      const change = await jsonBody(c, updateHostSchema);
      return c.json(await view(s.hosts.update(c.req.param('id'), change, c.var.actor)));
    });
}

/** /pools */
export function poolRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.pools.list() }))
    .post('/', async (c) => c.json(s.pools.create(await jsonBody(c, createPoolSchema), c.var.actor), 201))
    .get('/:id', (c) => c.json(s.pools.get(c.req.param('id'))))
    .delete('/:id', (c) => {
      s.pools.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}

const auditQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

/** /audit */
export function auditRoutes(s: Services) {
  return new Hono<AppEnv>().get('/', (c) => c.json({ items: s.audit.list(queryParams(c, auditQuery).limit) }));
}
