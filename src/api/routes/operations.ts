/** /operations: long-running tasks, newest first. */
import { Hono } from 'hono';
import { mapPage } from '../../lib/paging.js';
import type { Services } from '../../services/index.js';
import { operationListQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { presentOperation } from '../presenters.js';
import { queryParams } from '../validate.js';


/** /operations */
export function operationRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => {
      const { limit, cursor, ...filter } = queryParams(c, operationListQuerySchema);
      return c.json(mapPage(s.operations.list(filter, { limit, cursor }), presentOperation));
    })
    .get('/:id', (c) => c.json(presentOperation(s.operations.get(c.req.param('id')))));
}
