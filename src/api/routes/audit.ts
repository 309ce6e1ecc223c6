/** /audit: who changed what, when and from where. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { auditListQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { queryParams } from '../validate.js';
import { doc } from '../route-doc.js';
import { auditEntrySchema, pageSchema } from '../../shared/responses.js';


/** /audit */
export function auditRoutes(s: Services) {
  return new Hono<AppEnv>().get('/', doc({ summary: 'The audit log, newest first', description: 'Filters: since, until (ISO 8601), user (id or name), target (id or target type), action (exact, or a prefix ending in a dot: instance.).', query: auditListQuerySchema, responses: { 200: pageSchema(auditEntrySchema) } }), (c) => {
    const { limit, cursor, ...filter } = queryParams(c, auditListQuerySchema);
    return c.json(s.audit.list(filter, { limit, cursor }));
  });
}
