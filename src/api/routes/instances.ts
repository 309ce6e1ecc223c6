/** /instances: CRUD, batches, power actions, media, consoles, live usage and the serial console log. */
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { AppError } from '../../lib/errors.js';
import type { Services } from '../../services/index.js';
import type { PowerAction } from '../../services/instances/power.js';
import type { Instance } from '../../services/instances/store.js';
import { consoleTokenSchema, createInstanceSchema, insertMediaSchema, nicRequestSchema, startFromIsoSchema, updateInstanceSchema } from '../../shared/schemas.js';
import type { InstanceUpdated } from '../../shared/api-types.js';
import { addDiskSchema, growDiskSchema } from '../../shared/schemas.js';
import { cloneInstanceSchema } from '../../shared/instance-clone.js';
import { createImageFromInstanceSchema } from '../../shared/instance-images.js';
import { setGuestPasswordSchema } from '../../shared/guest.js';
import { batchSchema } from '../../shared/batch.js';
import type { AppEnv } from '../env.js';
import type { Actor } from '../../services/actor.js';
import type { Permission } from '../../shared/permissions.js';
import { presentInstance, presentNic } from '../presenters.js';
import { jsonBody, queryParams } from '../validate.js';
import { instanceListQuerySchema } from '../../shared/lists.js';
import { EXPORT_BATCH, exportPages, instanceExportQuerySchema } from './export.js';
import { accepted } from './respond.js';

type ImmediateAction = Exclude<PowerAction, 'stop'>;
const immediate = new Set<string>(['start', 'force-stop', 'reboot', 'reset', 'pause', 'resume'] satisfies ImmediateAction[]);

/** A data disk's mount point that is not absolute, names a system directory or is taken twice: mount_point_invalid. */
const MOUNT_POINT_CODES = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`dataDisks.${i}.mountPoint`, 'mount_point_invalid' as const]));

/** The actor with the group a new resource goes to, checked for `perm` there. */
export function creating(s: Services, actor: Actor, groupId: string | undefined, perm: Permission): Actor {
  return { ...actor, groupId: s.rbac.groupForCreate(actor, groupId, perm) };
}

/** /instances */
export function instanceRoutes(s: Services) {
  const present = (row: Instance) => presentInstance(row, s.storagePools.ensureDefault().id, s.instances.nicsOf(row.id));
  const presentPage = (rows: Instance[]) => {
    const nics = s.instances.nicsOfMany(rows.map((r) => r.id));
    const defaultStoragePoolId = s.storagePools.ensureDefault().id;
    return rows.map((row) => presentInstance(row, defaultStoragePoolId, nics.get(row.id) ?? []));
  };
  return new Hono<AppEnv>()
    .get('/', (c) => {
      const { limit, cursor, ...filter } = queryParams(c, instanceListQuerySchema);
      const page = s.instances.page(filter, { limit, cursor }, s.rbac.scope(c.var.actor));
      return c.json({ items: presentPage(page.items), nextCursor: page.nextCursor });
    })
    .get('/export', (c) => {
      const filter = queryParams(c, instanceExportQuerySchema);
      const scope = s.rbac.scope(c.var.actor);
      const pages = exportPages((cursor) => {
        const page = s.instances.page(filter, { limit: EXPORT_BATCH, cursor }, scope);
        return { lines: presentPage(page.items).map((i) => JSON.stringify(i) + '\n'), nextCursor: page.nextCursor };
      });
      return new Response(pages, { headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': 'attachment; filename="instances.jsonl"' } });
    })
    .post('/', async (c) => {
      const { groupId, ...input } = await jsonBody(c, createInstanceSchema, { 'cloudInit.password': 'password_too_weak', ...MOUNT_POINT_CODES });
      const actor = creating(s, c.var.actor, groupId, 'instances.create');
      if (input.disk.source === 'image') s.rbac.assertResource(actor, 'image', input.disk.imageId, 'images.read');
      if (input.mediaId !== undefined) s.rbac.assertResource(actor, 'media', input.mediaId, 'media.read');
      const { instance, operation } = await s.instances.create(input, actor);
      return accepted(c, operation, { instance: present(instance) });
    })
    .post('/batch', async (c) => {
      const batch = await jsonBody(c, batchSchema, { 'cloudInit.password': 'password_too_weak' });
      let actor = c.var.actor;
      if (batch.action === 'create') {
        const { groupId, ...input } = batch;
        actor = creating(s, actor, groupId, 'instances.create');
        if (input.disk.source === 'image') s.rbac.assertResource(actor, 'image', input.disk.imageId, 'images.read');
        return accepted(c, s.batches.start(input, actor));
      }
      for (const id of batch.ids) s.rbac.assertResource(actor, 'instance', id, batch.action === 'delete' ? 'instances.delete' : 'instances.power');
      return accepted(c, s.batches.start(batch, actor));
    })
    .get('/:id', (c) => c.json(present(s.instances.get(c.req.param('id')))))
    .patch('/:id', async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      const { instance, notes } = await s.instances.update(id, await jsonBody(c, updateInstanceSchema), c.var.actor);
      return c.json({ ...present(instance), notes } satisfies InstanceUpdated);
    })
    .delete('/:id', (c) => accepted(c, s.instances.delete(c.req.param('id'), c.var.actor)))
    .post('/:id/actions/stop', (c) => accepted(c, s.power.stop(c.req.param('id'), c.var.actor)))
    .post('/:id/actions/start-from-iso', async (c) => {
      const { mediaId } = await jsonBody(c, startFromIsoSchema);
      s.rbac.assertResource(c.var.actor, 'media', mediaId, 'media.read');
      return accepted(c, s.power.startFromIso(c.req.param('id'), mediaId, c.var.actor));
    })
    .post('/:id/actions/insert-media', async (c) => {
      const { mediaId } = await jsonBody(c, insertMediaSchema);
      s.rbac.assertResource(c.var.actor, 'media', mediaId, 'media.read');
      return c.json(present(await s.power.insertMedia(c.req.param('id'), mediaId, c.var.actor)));
    })
    .post('/:id/actions/set-guest-password', async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      return c.json(await s.guest.setPassword(id, await jsonBody(c, setGuestPasswordSchema, { password: 'password_too_weak' }), c.var.actor));
    })
    .post('/:id/actions/eject-media', async (c) => c.json(present(await s.power.ejectMedia(c.req.param('id'), c.var.actor))))
    .post('/:id/actions/create-image', async (c) => {
      const row = s.instances.get(c.req.param('id')); // an unknown instance is a 404 before any body error
      const actor = creating(s, c.var.actor, row.groupId, 'images.manage'); // the image goes to the instance's group
      return accepted(c, await s.diskJobs.createImage(row.id, await jsonBody(c, createImageFromInstanceSchema), actor));
    })
    .post('/:id/actions/clone', async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      const { instance, operation } = await s.cloner.clone(id, await jsonBody(c, cloneInstanceSchema), c.var.actor);
      return accepted(c, operation, { instance: present(instance) });
    })
    .post('/:id/actions/reset-system-disk', async (c) => c.json(present(await s.diskJobs.resetSystemDisk(c.req.param('id'), c.var.actor))))
    .post('/:id/disks/:diskId/actions/compact', async (c) => accepted(c, await s.diskJobs.compactDisk(c.req.param('id'), c.req.param('diskId'), c.var.actor)))
    .post('/:id/actions/:action', async (c) => {
      const action = c.req.param('action');
      if (!immediate.has(action))
        throw new AppError('action_not_found', `There is no action '${action}'; known: start, start-from-iso, stop, force-stop, reboot, reset, pause, resume, insert-media, eject-media, create-image, reset-system-disk, clone, set-guest-password.`);
      return c.json(present(await s.power.act(c.req.param('id'), action as ImmediateAction, c.var.actor)));
    })
    .post('/:id/console-tokens', async (c) => {
      const { kind } = await jsonBody(c, consoleTokenSchema);
      return c.json(s.consoles.issue(c.req.param('id'), kind, c.var.actor), 201);
    })
    .get('/:id/nics', (c) => c.json({ items: s.instances.nicsOf(s.instances.get(c.req.param('id')).id).map(presentNic) }))
    .post('/:id/nics', async (c) => c.json(presentNic(await s.instances.addNic(c.req.param('id'), await jsonBody(c, nicRequestSchema), c.var.actor)), 201))
    .delete('/:id/nics/:nicId', async (c) => {
      await s.instances.removeNic(c.req.param('id'), c.req.param('nicId'), c.var.actor);
      return c.body(null, 204);
    })
    .get('/:id/disks', async (c) => c.json({ items: await s.instances.disksOf(c.req.param('id')) }))
    .post('/:id/disks', async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      return c.json(await s.instances.addDisk(id, await jsonBody(c, addDiskSchema), c.var.actor), 201);
    })
    .patch('/:id/disks/:diskId', async (c) => {
      const id = s.instances.get(c.req.param('id')).id;
      return c.json(await s.instances.growDisk(id, c.req.param('diskId'), await jsonBody(c, growDiskSchema), c.var.actor));
    })
    .delete('/:id/disks/:diskId', async (c) => {
      await s.instances.removeDisk(c.req.param('id'), c.req.param('diskId'), c.var.actor);
      return c.body(null, 204);
    })
    .get('/:id/stats', async (c) => c.json(await s.stats.usage(c.req.param('id'))))
    .get('/:id/guest-info', async (c) => c.json(await s.guest.info(c.req.param('id'))))
    .get('/:id/guest-addresses', async (c) => c.json(await s.guestAddresses.of(c.req.param('id'))))
    .get('/:id/vnc', (c) => c.json({ password: s.instances.get(c.req.param('id')).vncPassword }))
    .get('/:id/console-log', async (c) => {
      const log = await s.instances.consoleLog(c.req.param('id'));
      return new Response(Readable.toWeb(log) as ReadableStream, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    });
}
