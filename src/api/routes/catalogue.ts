/** Read-only catalogues: operations, hosts, compute pools, audit log. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import type { AppEnv } from '../env.js';

/** /operations */
export function operationRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.operations.list(c.req.query('target')) }))
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

/** /audit */
export function auditRoutes(s: Services) {
  return new Hono<AppEnv>().get('/', (c) => c.json({ items: s.audit.list(Number(c.req.query('limit') ?? 100) || 100) }));
}
