/** Read-only catalogues: operations, hosts, compute pools, audit log. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { z } from 'zod';
import type { AppEnv } from '../env.js';
import { queryParams } from '../validate.js';

const operationsQuery = z.object({ target: z.string().max(64).optional() }).strict();

/** /operations */
export function operationRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.operations.list(queryParams(c, operationsQuery).target) }))
    .get('/:id', (c) => c.json(s.operations.get(c.req.param('id'))));
}

/** /hosts */
export function hostRoutes(s: Services) {
  const view = (h: ReturnType<Services['hosts']['get']>) => ({ ...h, online: s.hosts.isOnline(h.id) });
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.hosts.list().map(view) }))
    .get('/:id', (c) => c.json(view(s.hosts.get(c.req.param('id')))));
}

/** /pools */
export function poolRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.pools.list() }))
    .get('/:id', (c) => c.json(s.pools.get(c.req.param('id'))));
}

const auditQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

/** /audit */
export function auditRoutes(s: Services) {
  return new Hono<AppEnv>().get('/', (c) => c.json({ items: s.audit.list(queryParams(c, auditQuery).limit) }));
}
