/** /hosts: the hosts with their live state; moving a host between pools and the scheduling switch. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import type { Host } from '../../services/hosts.js';
import { bridgeSetupSchema, updateHostSchema } from '../../shared/schemas.js';
import { evacuateHostSchema } from '../../shared/migration.js';
import { accepted } from './respond.js';
import { byName, mapPage, pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { presentHost } from '../presenters.js';
import { jsonBody, queryParams } from '../validate.js';
import { doc } from '../route-doc.js';
import { acceptedSchema, bridgeSetupResultSchema, hostInterfaceSchema, hostSchema, itemsSchema, pageSchema } from '../../shared/responses.js';

/** A host row with what its agent last said. */
function view(s: Services, row: Host) {
  const storagePoolId = row.poolId ? s.pools.get(row.poolId).storagePoolId : null;
  return presentHost(row, { online: s.hosts.isOnline(row.id), storage: s.hosts.factsOf(row.id)?.storage ?? [], storagePoolId: storagePoolId ?? s.storagePools.ensureDefault().id });
}

/** /hosts */
export function hostRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List hosts', query: pageQuerySchema, responses: { 200: pageSchema(hostSchema) } }), (c) => c.json(mapPage(pageInMemory(s.hosts.list(), byName, queryParams(c, pageQuerySchema)), (h) => view(s, h))))
    .get('/:id', doc({ summary: 'Get a host (accelerator, versions, online, disk)', responses: { 200: hostSchema } }), (c) => c.json(view(s, s.hosts.get(c.req.param('id')))))
    .patch('/:id', doc({ summary: 'Move a host to a pool (refused while it has instances) or enable/disable it for scheduling', body: updateHostSchema, responses: { 200: hostSchema } }), async (c) => {
      const change = await jsonBody(c, updateHostSchema);
      return c.json(view(s, await s.hosts.update(c.req.param('id'), change, c.var.actor)));
    })
    .delete('/:id', doc({ summary: 'Remove a joined host (409 host_has_instances while it has instances, 409 host_is_local for the local host)', responses: { 204: null } }), async (c) => {
      await s.hosts.remove(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    })
    .post('/:id/actions/evacuate', doc({
      summary: 'Move every instance off a host',
      description:
        "Disables the host for scheduling first, then moves each instance in its own child operation (stopped: cold; running: live) to hostId, or to the host the scheduler picks for it. One failing never stops the others; the parent's result lists each instance with its operation, state and error, and the parent fails with batch_items_failed when any did.",
      body: evacuateHostSchema, responses: { 202: acceptedSchema() },
    }), async (c) => {
      const id = s.hosts.get(c.req.param('id')).id; // an unknown host is a 404 before any body error
      const { hostId } = await jsonBody(c, evacuateHostSchema);
      return accepted(c, s.evacuator.evacuate(id, hostId, c.var.actor));
    })
    .get('/:id/interfaces', doc({ summary: "The host's network interfaces (kind, addresses, bridge port, default route)", responses: { 200: itemsSchema(hostInterfaceSchema) } }), async (c) => c.json({ items: await s.hostNetworking.interfaces(c.req.param('id')) }))
    .post('/:id/bridge-setup', doc({ summary: 'Plan (dry run) or, with confirm: true, make a Linux bridge take over a NIC', description: 'Rolled back when the default gateway stops answering.', body: bridgeSetupSchema, responses: { 200: bridgeSetupResultSchema } }), async (c) => c.json(await s.hostNetworking.bridgeSetup(c.req.param('id'), await jsonBody(c, bridgeSetupSchema), c.var.actor)));
}
