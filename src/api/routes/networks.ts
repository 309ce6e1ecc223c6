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
import { doc } from '../route-doc.js';
import { addressPoolDetailSchema, addressPoolSchema, itemsSchema, networkLeaseSchema, networkSchema, pageSchema } from '../../shared/responses.js';

/** /networks */
export function networkRoutes(s: Services) {
  const present = async (row: NetworkRow) => presentNetwork(row, await s.networks.hostStates(row.id, s.hosts.attachedAgentsById()));
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List networks, with their state on each host', query: pageQuerySchema, responses: { 200: pageSchema(networkSchema) } }), async (c) => {
      const page = pageInMemory(s.networks.list(), byName, queryParams(c, pageQuerySchema));
      return c.json({ items: await Promise.all(page.items.map(present)), nextCursor: page.nextCursor });
    })
    .post('/', doc({ summary: 'Create a NAT network (own subnet, DHCP, masquerade) or a bridged network on an existing bridge', body: createNetworkSchema, responses: { 201: networkSchema } }), async (c) => c.json(await present(await s.networks.create(await jsonBody(c, createNetworkSchema), c.var.actor)), 201))
    .get('/:id', doc({ summary: 'Get a network', responses: { 200: networkSchema } }), async (c) => c.json(await present(s.networks.get(c.req.param('id')))))
    .get('/:id/leases', doc({ summary: 'The DHCP leases handed out on the network', responses: { 200: itemsSchema(networkLeaseSchema) } }), async (c) => c.json({ items: await s.networks.leases(s.networks.get(c.req.param('id')).id) }))
    .delete('/:id', doc({ summary: 'Delete a network nothing uses', responses: { 204: null } }), async (c) => {
      await s.networks.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}

/** /address-pools */
export function addressPoolRoutes(s: Services) {
  const present = (row: ReturnType<Services['addressPools']['get']>) => presentAddressPool(row, s.addressPools.usage(row));
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List address pools with their usage', query: pageQuerySchema, responses: { 200: pageSchema(addressPoolSchema) } }), (c) => c.json(mapPage(pageInMemory(s.addressPools.list(), byName, queryParams(c, pageQuerySchema)), present)))
    .post('/', doc({ summary: 'Create an address pool (dhcp: reserved leases; static: cloud-init network config)', body: createAddressPoolSchema, responses: { 201: addressPoolSchema } }), async (c) => c.json(present(await s.addressPools.create(await jsonBody(c, createAddressPoolSchema), c.var.actor)), 201))
    .get('/:id', doc({ summary: 'Get an address pool and its allocations', responses: { 200: addressPoolDetailSchema } }), (c) => {
      const pool = s.addressPools.get(c.req.param('id'));
      return c.json({ ...present(pool), allocations: s.addressPools.allocations(pool) });
    })
    .patch('/:id', doc({ summary: 'Change ranges (none with allocations may go) or DNS servers', body: updateAddressPoolSchema, responses: { 200: addressPoolSchema } }), async (c) => c.json(present(await s.addressPools.update(c.req.param('id'), await jsonBody(c, updateAddressPoolSchema), c.var.actor))))
    .delete('/:id', doc({ summary: 'Delete an address pool without allocations', responses: { 204: null } }), async (c) => {
      await s.addressPools.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}
