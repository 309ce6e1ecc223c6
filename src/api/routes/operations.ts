/** /operations: long-running tasks, newest first. */
import { Hono } from 'hono';
import { mapPage } from '../../lib/paging.js';
import type { Services } from '../../services/index.js';
import { operationListQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { presentOperation } from '../presenters.js';
import { queryParams } from '../validate.js';
import { doc } from '../route-doc.js';
import { acceptedSchema, operationSchema, pageSchema } from '../../shared/responses.js';
import { assertMayCancel } from '../route-permissions.js';
import { accepted } from './respond.js';
import { notFound } from '../../lib/errors.js';

/** /operations */
export function operationRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List operations, newest first', description: 'Filters: since, until (ISO 8601), user (id or name), target (id).', query: operationListQuerySchema, responses: { 200: pageSchema(operationSchema) } }), (c) => {
      const { limit, cursor, ...filter } = queryParams(c, operationListQuerySchema);
      return c.json(mapPage(s.operations.list(filter, { limit, cursor }, s.rbac.operationScope(c.var.actor)), presentOperation));
    })
    .get('/:id', doc({ summary: 'Get an operation: state, progress, error, result', responses: { 200: operationSchema } }), (c) => {
      const op = s.operations.get(c.req.param('id'));
      if (!s.rbac.seesOperation(c.var.actor, op)) throw notFound('operation', c.req.param('id'));
      return c.json(presentOperation(op));
    })
    .post(
      '/:id/actions/cancel',
      doc({
        summary: 'Cancel a running operation',
        description: 'Only operations whose `cancellable` is true take a cancel: a migration (until the move is recorded; the instance stays on its host: live_migration_cancelled, migration_cancelled), a host evacuation (the child migration under way is cancelled and no more start: evacuation_cancelled; what has moved stays moved), and an image import from a URL or an upload\'s conversion (the download and qemu-img stop, partial files are removed and no image is left: image_import_cancelled). The operation then ends failed with its cancel code. 409 operation_not_cancellable for one that has ended or takes no cancel.',
        responses: { 202: acceptedSchema() },
      }),
      (c) => {
        const id = c.req.param('id');
        const op = s.operations.get(id);
        if (!s.rbac.seesOperation(c.var.actor, op)) throw notFound('operation', id);
        assertMayCancel(s, c.var.actor, op);
        return accepted(c, s.operations.cancel(id));
      },
    );
}
