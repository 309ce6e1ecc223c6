/** /networks and /address-pools. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import type { NetworkRow } from '../../services/networks.js';
import { createAddressPoolSchema, createNetworkSchema, updateAddressPoolSchema } from '../../shared/schemas.js';
import { byName, mapPage, pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { presentAddressPool, presentNetwork } from '../presenters.js';
import { jsonBody, queryParams } from '../validate.js';

/** /networks */
export function networkRoutes(s: Services) {
  const present = async (row: NetworkRow) => presentNetwork(row, await s.networks.hostStates(row.id, s.hosts.attachedAgentsById()));
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const page = pageInMemory(s.networks.list(), byName, queryParams(c, pageQuerySchema));
      return c.json({ items: await Promise.all(page.items.map(present)), nextCursor: page.nextCursor });
    })
    .post('/', async (c) => c.json(await present(await s.networks.create(await jsonBody(c, createNetworkSchema), c.var.actor)), 201))
    .get('/:id', async (c) => c.json(await present(s.networks.get(c.req.param('id')))))
    .get('/:id/leases', async (c) => c.json({ items: await s.networks.leases(s.networks.get(c.req.param('id')).id) }))
    .delete('/:id', async (c) => {
      await s.networks.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}

/** /address-pools */
export function addressPoolRoutes(s: Services) {
  const present = (row: ReturnType<Services['addressPools']['get']>) => presentAddressPool(row, s.addressPools.usage(row));
  return new Hono<AppEnv>()
    .get('/', (c) => c.json(mapPage(pageInMemory(s.addressPools.list(), byName, queryParams(c, pageQuerySchema)), present)))
    .post('/', async (c) => c.json(present(await s.addressPools.create(await jsonBody(c, createAddressPoolSchema), c.var.actor)), 201))
    .get('/:id', (c) => {
      const pool = s.addressPools.get(c.req.param('id'));
      return c.json({ ...present(pool), allocations: s.addressPools.allocations(pool) });
    })
    .patch('/:id', async (c) => c.json(present(await s.addressPools.update(c.req.param('id'), await jsonBody(c, updateAddressPoolSchema), c.var.actor))))
    .delete('/:id', async (c) => {
      await s.addressPools.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}
