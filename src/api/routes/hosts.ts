/** /hosts: the hosts with their live state; moving a host between pools and the scheduling switch. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import type { Host } from '../../services/hosts.js';
import { bridgeSetupSchema, updateHostSchema } from '../../shared/schemas.js';
import { byName, mapPage, pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { presentHost } from '../presenters.js';
import { jsonBody, queryParams } from '../validate.js';

/** A host row with what its agent last said. */
function view(s: Services, row: Host) {
  const storagePoolId = row.poolId ? s.pools.get(row.poolId).storagePoolId : null;
  return presentHost(row, { online: s.hosts.isOnline(row.id), storage: s.hosts.factsOf(row.id)?.storage ?? [], storagePoolId: storagePoolId ?? s.storagePools.ensureDefault().id });
}

/** /hosts */
export function hostRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json(mapPage(pageInMemory(s.hosts.list(), byName, queryParams(c, pageQuerySchema)), (h) => view(s, h))))
    .get('/:id', (c) => c.json(view(s, s.hosts.get(c.req.param('id')))))
    .patch('/:id', async (c) => {
      const change = await jsonBody(c, updateHostSchema);
      return c.json(view(s, s.hosts.update(c.req.param('id'), change, c.var.actor)));
    })
    .delete('/:id', async (c) => {
      await s.hosts.remove(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    })
    .get('/:id/interfaces', async (c) => c.json({ items: await s.hostNetworking.interfaces(c.req.param('id')) }))
    .post('/:id/bridge-setup', async (c) => c.json(await s.hostNetworking.bridgeSetup(c.req.param('id'), await jsonBody(c, bridgeSetupSchema), c.var.actor)));
}
