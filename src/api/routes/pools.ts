/** /pools (compute pools) and /storage-pools. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createPoolSchema, createStoragePoolSchema, poolNetworkSchema, updatePoolSchema } from '../../shared/schemas.js';
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
    .patch('/:id', async (c) => c.json(present(s.pools.update(c.req.param('id'), await jsonBody(c, updatePoolSchema), c.var.actor))))
    .put('/:id/network', async (c) => {
      const body = await jsonBody(c, poolNetworkSchema);
      const networkId = body.network === null ? null : s.networks.get(body.network).id;
      const addressPoolId = body.addressPool ? s.addressPools.get(body.addressPool).id : null;
      return c.json(present(s.pools.setNetwork(c.req.param('id'), { networkId, addressPoolId }, c.var.actor)));
    })
    .delete('/:id', (c) => {
      s.pools.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}

/** /storage-pools */
export function storagePoolRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json(mapPage(pageInMemory(s.storagePools.list(), byName, queryParams(c, pageQuerySchema)), presentStoragePool)))
    .post('/', async (c) => c.json(presentStoragePool(s.storagePools.create(await jsonBody(c, createStoragePoolSchema), c.var.actor)), 201))
    .get('/:id', (c) => c.json(presentStoragePool(s.storagePools.get(c.req.param('id')))))
    .delete('/:id', (c) => {
      s.storagePools.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}
