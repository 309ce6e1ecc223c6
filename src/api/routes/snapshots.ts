/** /instances/:id/snapshots: the tree, take (stopped or running), revert (stopped), delete (an operation: merges copy data). */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createSnapshotSchema } from '../../shared/snapshots.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';
import { accepted } from './respond.js';

/** Mounted under /instances. */
export function snapshotRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/:id/snapshots', (c) => c.json({ items: s.snapshots.list(c.req.param('id')) }))
    .post('/:id/snapshots', async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      return c.json(await s.snapshots.create(id, await jsonBody(c, createSnapshotSchema), c.var.actor), 201);
    })
    .get('/:id/snapshots/:snapshotId', (c) => c.json(s.snapshots.get(c.req.param('id'), c.req.param('snapshotId'))))
    .post('/:id/snapshots/:snapshotId/actions/revert', async (c) => c.json(await s.snapshots.revert(c.req.param('id'), c.req.param('snapshotId'), c.var.actor)))
    .delete('/:id/snapshots/:snapshotId', (c) => accepted(c, s.snapshots.delete(c.req.param('id'), c.req.param('snapshotId'), c.var.actor)));
}
