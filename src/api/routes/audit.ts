/** /audit: who changed what, when and from where; the list and its JSON-lines export. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { auditExportQuerySchema, auditListQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { queryParams } from '../validate.js';
import { doc } from '../route-doc.js';
import { auditEntrySchema, pageSchema } from '../../shared/responses.js';

const LINES_PER_CHUNK = 200;

/** /audit */
export function auditRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'The audit log, newest first', description: 'Filters: since, until (ISO 8601), user (id or name), target (id or target type), action (exact, or a prefix ending in a dot: instance.).', query: auditListQuerySchema, responses: { 200: pageSchema(auditEntrySchema) } }), (c) => {
      const { limit, cursor, ...filter } = queryParams(c, auditListQuerySchema);
      return c.json(s.audit.list(filter, { limit, cursor }));
    })
    .get('/export', doc({ summary: 'The audit log as JSON lines (application/x-ndjson), streamed newest first', description: 'The list filters apply; no paging.', query: auditExportQuerySchema, responses: { 200: { mediaType: 'application/x-ndjson', description: 'One audit entry (as the list answers) per line' } } }), (c) => {
      const entries = s.audit.all(queryParams(c, auditExportQuerySchema));
      const encoder = new TextEncoder();
      // Streamed a chunk of lines at a time, newest first, as the list orders them.
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          let text = '';
          for (let i = 0; i < LINES_PER_CHUNK; i++) {
            const next = await entries.next();
            if (next.done) {
              if (text) controller.enqueue(encoder.encode(text));
              controller.close();
              return;
            }
            text += `${JSON.stringify(next.value)}\n`;
          }
          controller.enqueue(encoder.encode(text));
        },
        async cancel() {
          await entries.return(undefined);
        },
      });
      return c.body(body, 200, { 'content-type': 'application/x-ndjson', 'content-disposition': 'attachment; filename="onebox-audit.ndjson"' });
    });
}
