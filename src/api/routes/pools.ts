/** /pools (compute pools) and /storage-pools. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createPoolSchema, createStoragePoolBodySchema, poolNetworkSchema, poolStorageSchema, updateStoragePoolSchema } from '../../shared/schemas.js';
import { byName, mapPage, pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { presentPool, presentStoragePool } from '../presenters.js';
import { jsonBody, queryParams } from '../validate.js';

/** /pools */
export function poolRoutes(s: Services) {
  const present = (row: ReturnType<Services['pools']['get']>) => presentPool(row, s.storagePools.ensureDefault().id);
  return new Hono<AppEnv>()
    .get('/', (c) => c.json(mapPage(pageInMemory(s.pools.list(), byName, queryParams(c, pageQuerySchema)), present)))
    .post('/', async (c) => {
      const { storagePool, ...input } = await jsonBody(c, createPoolSchema);
      const storagePoolId = storagePool === undefined ? null : s.storagePools.get(storagePool).id;
      return c.json(present(s.pools.create({ ...input, storagePoolId }, c.var.actor)), 201);
    })
    .get('/:id', (c) => c.json(present(s.pools.get(c.req.param('id')))))
    .put('/:id/network', async (c) => {
      const body = await jsonBody(c, poolNetworkSchema);
      const networkId = body.network === null ? null : s.networks.get(body.network).id;
      const addressPoolId = body.addressPool ? s.addressPools.get(body.addressPool).id : null;
      return c.json(present(s.pools.setNetwork(c.req.param('id'), { networkId, addressPoolId }, c.var.actor)));
    })
    .put('/:id/storage-pool', async (c) => {
      const body = await jsonBody(c, poolStorageSchema);
      const storagePoolId = body.storagePool === null ? null : s.storagePools.get(body.storagePool).id;
      const row = s.pools.setStoragePool(c.req.param('id'), storagePoolId === s.storagePools.ensureDefault().id ? null : storagePoolId, c.var.actor);
      // The hosts of the pool check the storage pool at once, so its page shows their state.
      if (row.storagePoolId !== null) await s.storagePoolProbes.probe(row.storagePoolId);
      return c.json(present(row));
    })
    .delete('/:id', (c) => {
      s.pools.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}

/** /storage-pools: `GET /:id` probes the pool on the hosts using it; the list shows their last state. */
export function storagePoolRoutes(s: Services) {
  const present = (row: ReturnType<Services['storagePools']['get']>) => presentStoragePool(row, s.storagePools.computePoolsOf(row.id), s.storagePoolProbes.states(row.id));
  return new Hono<AppEnv>()
    .get('/', (c) => c.json(mapPage(pageInMemory(s.storagePools.list(), byName, queryParams(c, pageQuerySchema)), present)))
    .post('/', async (c) => c.json(present(s.storagePools.create(await jsonBody(c, createStoragePoolBodySchema), c.var.actor)), 201))
    .get('/:id', async (c) => {
      const row = s.storagePools.get(c.req.param('id'));
      if (row.kind === 'nfs') await s.storagePoolProbes.probe(row.id);
      return c.json(present(row));
    })
    .patch('/:id', async (c) => {
      const row = s.storagePools.update(c.req.param('id'), await jsonBody(c, updateStoragePoolSchema), c.var.actor);
      if (row.kind === 'nfs') await s.storagePoolProbes.probe(row.id);
      return c.json(present(row));
    })
    .delete('/:id', (c) => {
      const id = s.storagePools.get(c.req.param('id')).id;
      s.storagePools.delete(id, c.var.actor);
      s.storagePoolProbes.forget(id);
      return c.body(null, 204);
    });
}
