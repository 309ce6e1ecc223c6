/** /audit: who changed what, when and from where; the list and its JSON-lines export. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { auditExportQuerySchema, auditListQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { queryParams } from '../validate.js';

const LINES_PER_CHUNK = 200;

/** /audit */
export function auditRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => {
      const { limit, cursor, ...filter } = queryParams(c, auditListQuerySchema);
      return c.json(s.audit.list(filter, { limit, cursor }));
    })
    .get('/export', (c) => {
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
