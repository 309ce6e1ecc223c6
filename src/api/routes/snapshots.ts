/** /instances/:id/snapshots: the tree, take (stopped or running), revert (stopped), delete (an operation: merges copy data). */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createSnapshotSchema } from '../../shared/snapshots.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../validate.js';
import { accepted } from './respond.js';
import { doc } from '../route-doc.js';
import { acceptedSchema, itemsSchema, snapshotSchema } from '../../shared/responses.js';

/** Mounted under /instances. */
export function snapshotRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/:id/snapshots', doc({ summary: "An instance's snapshots as a tree (parentId), the current one marked", responses: { 200: itemsSchema(snapshotSchema) } }), (c) => c.json({ items: s.snapshots.list(c.req.param('id')) }))
    .post('/:id/snapshots', doc({
      summary: 'Take a disk-only snapshot (external qcow2 overlays) of a stopped or running instance',
      description: 'Running: live, quiesced when the guest agent answers. memory: true is refused (400 snapshot_memory_unsupported); disk add/remove/grow are refused while snapshots exist (409 instance_has_snapshots).',
      body: createSnapshotSchema, responses: { 201: snapshotSchema },
    }), async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      return c.json(await s.snapshots.create(id, await jsonBody(c, createSnapshotSchema), c.var.actor), 201);
    })
    .get('/:id/snapshots/:snapshotId', doc({ summary: 'Get a snapshot', responses: { 200: snapshotSchema } }), (c) => c.json(s.snapshots.get(c.req.param('id'), c.req.param('snapshotId'))))
    .post('/:id/snapshots/:snapshotId/actions/revert', doc({ summary: 'Revert a stopped instance to a snapshot', description: 'Running: 409 instance_must_be_stopped; later snapshots stay in the tree.', responses: { 200: snapshotSchema } }), async (c) => c.json(await s.snapshots.revert(c.req.param('id'), c.req.param('snapshotId'), c.var.actor)))
    .delete('/:id/snapshots/:snapshotId', doc({ summary: 'Delete a snapshot, merging its data into the files above it, in an operation', description: 'The current one included (stopped: qemu-img rebase; running: block pull/commit); a branch point is refused (409 snapshot_has_children).', responses: { 202: acceptedSchema() } }), (c) => accepted(c, s.snapshots.delete(c.req.param('id'), c.req.param('snapshotId'), c.var.actor)));
}
