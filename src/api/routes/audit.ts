/** /audit: who changed what, when and from where. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { auditListQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { queryParams } from '../validate.js';


/** /audit */
export function auditRoutes(s: Services) {
  return new Hono<AppEnv>().get('/', (c) => {
    const { limit, cursor, ...filter } = queryParams(c, auditListQuerySchema);
    return c.json(s.audit.list(filter, { limit, cursor }));
  });
}
