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
import { migrateInstanceSchema } from '../../shared/migration.js';
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
import { doc } from '../route-doc.js';
import { z } from 'zod';
import { acceptedSchema, consoleTokenResponseSchema, guestAddressesSchema, guestInfoSchema, guestPasswordSetSchema, instanceDiskSchema, instanceSchema, instanceStatsSchema, instanceUpdatedSchema, itemsSchema, migrationTargetSchema, nicSchema, pageSchema, vncInfoSchema } from '../../shared/responses.js';

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
    .get('/', doc({
      summary: 'List instances by name',
      description: 'limit (1-1000, default 100) and cursor (nextCursor of the previous page) page it, as every list; filters: state, host, pool (id or name), name (a prefix).',
      query: instanceListQuerySchema, responses: { 200: pageSchema(instanceSchema) },
    }), (c) => {
      const { limit, cursor, ...filter } = queryParams(c, instanceListQuerySchema);
      const page = s.instances.pageView(filter, { limit, cursor }, s.rbac.scope(c.get('actor'), 'instances.read'));
      const defaultStoragePoolId = s.storagePools.ensureDefault().id;
      return c.json({ items: page.items.map((v) => presentInstance(v.row, defaultStoragePoolId, v.nics)), nextCursor: page.nextCursor });
    })
    .get('/export', doc({ summary: 'Every instance as JSON lines, streamed', description: 'The list filters apply; no paging.', query: instanceExportQuerySchema, responses: { 200: { mediaType: 'application/x-ndjson', description: 'One instance (as GET /instances/{id} answers) per line' } } }), (c) => {
      const filter = queryParams(c, instanceExportQuerySchema);
      const scope = s.rbac.scope(c.var.actor, 'instances.read');
      const pages = exportPages((cursor) => {
        const page = s.instances.page(filter, { limit: EXPORT_BATCH, cursor }, scope);
        return { lines: presentPage(page.items).map((i) => JSON.stringify(i) + '\n'), nextCursor: page.nextCursor };
      });
      return new Response(pages, { headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': 'attachment; filename="instances.jsonl"' } });
    })
    .post('/', doc({ summary: 'Create an instance', body: createInstanceSchema, responses: { 202: acceptedSchema({ instance: instanceSchema }) } }), async (c) => {
      const { groupId, ...input } = await jsonBody(c, createInstanceSchema, { 'cloudInit.password': 'password_too_weak', ...MOUNT_POINT_CODES });
      const actor = creating(s, c.var.actor, groupId, 'instances.create');
      if (input.disk.source === 'image') s.rbac.assertResource(actor, 'image', input.disk.imageId, 'images.read');
      if (input.mediaId !== undefined) s.rbac.assertResource(actor, 'media', input.mediaId, 'media.read');
      const { instance, operation } = await s.instances.create(input, actor);
      return accepted(c, operation, { instance: present(instance) });
    })
    .post('/batch', doc({
      summary: 'Create N instances or act on a selection',
      description: 'Create N instances (count + namePrefix, or names) or start/stop/force-stop/reboot/delete a selection (ids): 202 + a parent operation whose result lists each item, its child operation, state and error.',
      body: batchSchema, responses: { 202: acceptedSchema() },
    }), async (c) => {
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
    .get('/:id', doc({ summary: 'Get an instance', responses: { 200: instanceSchema } }), (c) => {
      const { row, nics } = s.instances.view(c.req.param('id'));
      return c.json(presentInstance(row, s.storagePools.ensureDefault().id, nics));
    })
    .patch('/:id', doc({
      summary: 'Change name, cores, memory, autostart, description or QoS',
      description:
        'Stopped: any of them (cores and memory above the maximums raise those). Running: cores and memory live up to maxCores/maxMemoryMiB (else 409 instance_must_be_stopped; a guest that refuses to release a vCPU: 409 resource_change_refused). A new name becomes the guest hostname at the next cloud-init run only.',
      body: updateInstanceSchema, responses: { 200: instanceUpdatedSchema },
    }), async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      const { instance, notes } = await s.instances.update(id, await jsonBody(c, updateInstanceSchema), c.var.actor);
      return c.json({ ...present(instance), notes } satisfies InstanceUpdated);
    })
    .delete('/:id', doc({ summary: 'Delete an instance and everything it owns', responses: { 202: acceptedSchema() } }), (c) => accepted(c, s.instances.delete(c.req.param('id'), c.var.actor)))
    .post('/:id/actions/stop', doc({ summary: 'Graceful ACPI power-off; the operation waits for the guest', responses: { 202: acceptedSchema() } }), (c) => accepted(c, s.power.stop(c.req.param('id'), c.var.actor)))
    .post('/:id/actions/start-from-iso', doc({ summary: 'Insert an ISO and boot from it', body: startFromIsoSchema, responses: { 202: acceptedSchema() } }), async (c) => {
      const { mediaId } = await jsonBody(c, startFromIsoSchema);
      s.rbac.assertResource(c.var.actor, 'media', mediaId, 'media.read');
      return accepted(c, s.power.startFromIso(c.req.param('id'), mediaId, c.var.actor));
    })
    .post('/:id/actions/insert-media', doc({ summary: 'Insert an ISO into the CD-ROM drive (live when running)', body: insertMediaSchema, responses: { 200: instanceSchema } }), async (c) => {
      const { mediaId } = await jsonBody(c, insertMediaSchema);
      s.rbac.assertResource(c.var.actor, 'media', mediaId, 'media.read');
      return c.json(present(await s.power.insertMedia(c.req.param('id'), mediaId, c.var.actor)));
    })
    .post('/:id/actions/set-guest-password', doc({
      summary: "Set a guest user's password through the QEMU guest agent",
      description:
        "Running only (else 409 instance_not_running). username defaults to the image's defaultUser, else root. Agent silent: 409 guest_agent_unavailable; the guest refuses the user: 409 guest_password_refused. The audit log names the user, never the password.",
      body: setGuestPasswordSchema, responses: { 200: guestPasswordSetSchema },
    }), async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      return c.json(await s.guest.setPassword(id, await jsonBody(c, setGuestPasswordSchema, { password: 'password_too_weak' }), c.var.actor));
    })
    .post('/:id/actions/eject-media', doc({ summary: 'Eject the CD-ROM medium (live when running)', responses: { 200: instanceSchema } }), async (c) => c.json(present(await s.power.ejectMedia(c.req.param('id'), c.var.actor))))
    .post('/:id/actions/create-image', doc({ summary: "Build an image from a stopped instance's system disk", description: "Flattened and compressed; the instance is busy meanwhile; the operation's target is the new image (in the instance's group).", body: createImageFromInstanceSchema, responses: { 202: acceptedSchema() } }), async (c) => {
      const row = s.instances.get(c.req.param('id')); // an unknown instance is a 404 before any body error
      const actor = creating(s, c.var.actor, row.groupId, 'images.manage'); // the image goes to the instance's group
      return accepted(c, await s.diskJobs.createImage(row.id, await jsonBody(c, createImageFromInstanceSchema), actor));
    })
    .post('/:id/actions/clone', doc({
      summary: 'Clone a stopped, running or paused instance into a new one on the same host and pool',
      description:
        'A copy of each disk (mode linked, the default: an image under the system disk stays its backing file; full: every disk stands alone), new MACs and addresses from the same networks, a new cloud-init instance-id and hostname. A running source keeps running: a temporary live snapshot freezes its files for the copy and is committed back. The host must have room as for a create: 507 no_host_available; with snapshots: 409 instance_has_snapshots; a taken name: 409 instance_name_taken; creating, migrating or in error: 409 invalid_instance_state.',
      body: cloneInstanceSchema, responses: { 202: acceptedSchema({ instance: instanceSchema }) },
    }), async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      const { instance, operation } = await s.cloner.clone(id, await jsonBody(c, cloneInstanceSchema), c.var.actor);
      return accepted(c, operation, { instance: present(instance) });
    })
    .get('/:id/migration-targets', doc({
      summary: 'The hosts of the instance\'s pool as migration targets: whether each may take it now, and why not',
      description: 'The checks of POST …/actions/migrate before it starts (its current host, offline, disabled for scheduling, cores, memory, disk, CPU load, networks), each host\'s storage and networks read from it now; one that does not fit is refused there with 409 migration_target_unfit.',
      responses: { 200: itemsSchema(migrationTargetSchema) },
    }), async (c) => c.json({ items: await s.migrator.targets(c.req.param('id')) }))
    .post('/:id/actions/migrate', doc({
      summary: 'Move an instance to another host of its pool',
      description:
        'Stopped: disks on a shared (NFS) pool are re-attached, local disk files copied to the target (progress: bytes copied), the source cleaned only once the target is complete; any failure leaves the instance whole where it was. Running: only with live: true (else 409 instance_must_be_stopped). The target is checked as the scheduler checks a placement (GET …/migration-targets shows the same checks beforehand): 409 migration_target_unfit with the reasons of that host; the same host: 409 migration_same_host; an unknown host: 404 host_not_found. The instance is busy meanwhile (409 instance_busy).',
      body: migrateInstanceSchema, responses: { 202: acceptedSchema() },
    }), async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      return accepted(c, await s.migrator.migrate(id, await jsonBody(c, migrateInstanceSchema), c.var.actor));
    })
    .post('/:id/actions/reset-system-disk', doc({ summary: 'Replace the system disk of a stopped instance by a new linked clone of its image (202 + operation; the instance is busy meanwhile)', description: 'Data disks are kept; a new cloud-init instance-id makes cloud-init run again.', responses: { 202: acceptedSchema() } }), async (c) => accepted(c, await s.diskJobs.resetSystemDisk(c.req.param('id'), c.var.actor)))
    .post('/:id/disks/:diskId/actions/compact', doc({ summary: 'Rewrite a stopped instance\'s disk without its unused space', description: "Keeps its backing image; the operation's last message gives the sizes before and after.", responses: { 202: acceptedSchema() } }), async (c) => accepted(c, await s.diskJobs.compactDisk(c.req.param('id'), c.req.param('diskId'), c.var.actor)))
    .post('/:id/actions/:action', doc({ summary: 'Start, force-stop (power off at once), reboot (ACPI), reset (hard), pause or resume', params: { action: z.enum([...immediate] as [ImmediateAction, ...ImmediateAction[]]) }, responses: { 200: instanceSchema } }), async (c) => {
      const action = c.req.param('action');
      if (!immediate.has(action))
        throw new AppError('action_not_found', `There is no action '${action}'; known: start, start-from-iso, stop, force-stop, reboot, reset, pause, resume, insert-media, eject-media, create-image, reset-system-disk, clone, migrate, set-guest-password.`);
      return c.json(present(await s.power.act(c.req.param('id'), action as ImmediateAction, c.var.actor)));
    })
    .post('/:id/console-tokens', doc({ summary: 'A single-use console token and the relative websocket path', description: 'Valid 30 s unless serve --console-token-ttl says otherwise.', body: consoleTokenSchema, responses: { 201: consoleTokenResponseSchema } }), async (c) => {
      const { kind } = await jsonBody(c, consoleTokenSchema);
      return c.json(s.consoles.issue(c.req.param('id'), kind, c.var.actor), 201);
    })
    .get('/:id/nics', doc({ summary: "An instance's NICs", responses: { 200: itemsSchema(nicSchema) } }), (c) => c.json({ items: s.instances.nicsOf(s.instances.get(c.req.param('id')).id).map(presentNic) }))
    .post('/:id/nics', doc({ summary: 'Add a NIC to a stopped instance', body: nicRequestSchema, responses: { 201: nicSchema } }), async (c) => c.json(presentNic(await s.instances.addNic(c.req.param('id'), await jsonBody(c, nicRequestSchema), c.var.actor)), 201))
    .delete('/:id/nics/:nicId', doc({ summary: 'Remove a NIC from a stopped instance (its address goes back to the pool)', responses: { 204: null } }), async (c) => {
      await s.instances.removeNic(c.req.param('id'), c.req.param('nicId'), c.var.actor);
      return c.body(null, 204);
    })
    .get('/:id/disks', doc({ summary: "An instance's disks: device, role, virtual and allocated size, format, backing image", responses: { 200: itemsSchema(instanceDiskSchema) } }), async (c) => c.json({ items: await s.instances.disksOf(c.req.param('id')) }))
    .post('/:id/disks', doc({ summary: 'Add a blank data disk (stopped: to the definition; running: hot-plugged); at most 8', body: addDiskSchema, responses: { 201: instanceDiskSchema } }), async (c) => {
      const id = s.instances.get(c.req.param('id')).id; // an unknown instance is a 404 before any body error
      return c.json(await s.instances.addDisk(id, await jsonBody(c, addDiskSchema), c.var.actor), 201);
    })
    .patch('/:id/disks/:diskId', doc({ summary: 'Grow a disk (stopped: qemu-img resize; running: online block resize); never shrinks', body: growDiskSchema, responses: { 200: instanceDiskSchema } }), async (c) => {
      const id = s.instances.get(c.req.param('id')).id;
      return c.json(await s.instances.growDisk(id, c.req.param('diskId'), await jsonBody(c, growDiskSchema), c.var.actor));
    })
    .delete('/:id/disks/:diskId', doc({ summary: 'Remove a data disk and delete its volume', description: 'Running: hot-unplugged first; 409 disk_change_refused if the guest does not let go.', responses: { 204: null } }), async (c) => {
      await s.instances.removeDisk(c.req.param('id'), c.req.param('diskId'), c.var.actor);
      return c.body(null, 204);
    })
    .get('/:id/stats', doc({ summary: 'Live usage: CPU %, memory, disk and network counters', responses: { 200: instanceStatsSchema } }), async (c) => c.json(await s.stats.usage(c.req.param('id'))))
    .get('/:id/guest-info', doc({ summary: 'What the guest reports through its agent', description: 'agent available|unavailable (a state, never an error), hostname, OS name and version, addresses.', responses: { 200: guestInfoSchema } }), async (c) => c.json(await s.guest.info(c.req.param('id'))))
    .get('/:id/guest-addresses', doc({ summary: "The running guest's interfaces and addresses", description: 'From its QEMU guest agent, else from the DHCP leases of its NICs.', responses: { 200: guestAddressesSchema } }), async (c) => c.json(await s.guestAddresses.of(c.req.param('id'))))
    .get('/:id/vnc', doc({ summary: 'The VNC password', responses: { 200: vncInfoSchema } }), (c) => c.json({ password: s.instances.get(c.req.param('id')).vncPassword }))
    .get('/:id/console-log', doc({ summary: 'The last MiB of what the guest wrote to its serial console', responses: { 200: { mediaType: 'text/plain', description: 'The console output' } } }), async (c) => {
      const log = await s.instances.consoleLog(c.req.param('id'));
      return new Response(Readable.toWeb(log) as ReadableStream, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    });
}
