/** /instances/:id/snapshots: the tree, take (stopped or running; with memory: running, an operation), revert, delete (an operation: merges copy data). */
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
      summary: 'Take a snapshot (external qcow2 overlays) of a stopped or running instance, optionally with its memory',
      description:
        'Disk-only (201): running, live, quiesced when the guest agent answers. memory: true (202, an operation with progress): running only (409 snapshot_memory_needs_running; 409 snapshot_memory_unsupported_storage on an NFS pool the host reaches through the NFS driver of QEMU), the guest pauses while its memory is saved beside the overlays; 409 snapshot_memory_failed when the host refuses. Disk add/remove/grow are refused while snapshots exist (409 instance_has_snapshots).',
      body: createSnapshotSchema, responses: { 201: snapshotSchema, 202: acceptedSchema() },
    }), async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      const body = await jsonBody(c, createSnapshotSchema);
      if (body.memory === true) return accepted(c, s.snapshots.createWithMemory(id, body, c.var.actor));
      return c.json(await s.snapshots.create(id, body, c.var.actor), 201);
    })
    .get('/:id/snapshots/:snapshotId', doc({ summary: 'Get a snapshot', responses: { 200: snapshotSchema } }), (c) => c.json(s.snapshots.get(c.req.param('id'), c.req.param('snapshotId'))))
    .post('/:id/snapshots/:snapshotId/actions/revert', doc({
      summary: 'Revert an instance to a snapshot',
      description: 'Disk-only: stopped only (409 instance_must_be_stopped), it stays stopped. With memory: stopped, running or paused; the guest resumes running in the saved state (409 snapshot_restore_failed leaves it stopped on the snapshot\'s disks). Later snapshots stay in the tree. A snapshot records the disks (and with memory the guest\'s RAM), not the instance\'s settings: a disk-only revert keeps the current cores, memory, NICs and name (changed after the snapshot or not), and the guest boots with them at its next start; a revert with memory after cores or memory changed cannot resume the saved RAM (409 snapshot_restore_failed: the disks are back at the snapshot, the instance stopped with its current settings).',
      responses: { 200: snapshotSchema },
    }), async (c) => c.json(await s.snapshots.revert(c.req.param('id'), c.req.param('snapshotId'), c.var.actor)))
    .delete('/:id/snapshots/:snapshotId', doc({ summary: 'Delete a snapshot, merging its data into the files above it, in an operation', description: 'The current one included (stopped: qemu-img rebase; running: block pull/commit); a branch point is refused (409 snapshot_has_children).', responses: { 202: acceptedSchema() } }), (c) => accepted(c, s.snapshots.delete(c.req.param('id'), c.req.param('snapshotId'), c.var.actor)));
}
