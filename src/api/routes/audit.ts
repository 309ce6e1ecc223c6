/** /audit: who changed what, when and from where. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../../services/index.js';
import type { AppEnv } from '../env.js';
import { queryParams } from '../validate.js';

const filterText = z.string().min(1).max(200).optional();
const auditQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(1000).default(100), from: z.iso.datetime().optional(), to: z.iso.datetime().optional(), user: filterText, target: filterText, action: filterText })
  .strict();

/** /audit */
export function auditRoutes(s: Services) {
  return new Hono<AppEnv>().get('/', (c) => {
    const { limit, ...filter } = queryParams(c, auditQuery);
    return c.json({ items: s.audit.list(limit, filter) });
  });
}
