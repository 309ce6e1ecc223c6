/** /operations: long-running tasks, newest first. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../../services/index.js';
import type { AppEnv } from '../env.js';
import { presentOperation } from '../presenters.js';
import { queryParams } from '../validate.js';

const operationsQuery = z.object({ target: z.string().max(64).optional() }).strict();

/** /operations */
export function operationRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.operations.list(queryParams(c, operationsQuery).target).map(presentOperation) }))
    .get('/:id', (c) => c.json(presentOperation(s.operations.get(c.req.param('id')))));
}
