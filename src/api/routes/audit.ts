/** /audit: who changed what, when and from where. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../../services/index.js';
import type { AppEnv } from '../env.js';
import { queryParams } from '../validate.js';

const auditQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

/** /audit */
export function auditRoutes(s: Services) {
  return new Hono<AppEnv>().get('/', (c) => c.json({ items: s.audit.list(queryParams(c, auditQuery).limit) }));
}
