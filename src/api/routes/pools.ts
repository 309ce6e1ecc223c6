/** /pools (compute pools) and /storage-pools. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createPoolSchema, createStoragePoolSchema, poolNetworkSchema, updatePoolSchema } from '../../shared/schemas.js';
import { byName, mapPage, pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { presentPool, presentStoragePool } from '../presenters.js';
import { jsonBody, queryParams } from '../validate.js';
import { doc } from '../route-doc.js';
import { pageSchema, poolSchema, storagePoolSchema } from '../../shared/responses.js';

/** /pools */
export function poolRoutes(s: Services) {
  const present = (row: ReturnType<Services['pools']['get']>) => presentPool(row, s.storagePools.ensureDefault().id);
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List compute pools', query: pageQuerySchema, responses: { 200: pageSchema(poolSchema) } }), (c) => c.json(mapPage(pageInMemory(s.pools.list(), byName, queryParams(c, pageQuerySchema)), present)))
    .post('/', doc({ summary: 'Create a compute pool', body: createPoolSchema, responses: { 201: poolSchema } }), async (c) => {
      const { storagePool, ...input } = await jsonBody(c, createPoolSchema);
      const storagePoolId = storagePool === undefined ? null : s.storagePools.get(storagePool).id;
      return c.json(present(s.pools.create({ ...input, storagePoolId }, c.var.actor)), 201);
    })
    .get('/:id', doc({ summary: 'Get a compute pool', responses: { 200: poolSchema } }), (c) => c.json(present(s.pools.get(c.req.param('id')))))
    .patch('/:id', doc({ summary: "Change a compute pool's overcommit ratios (cpu, memory, disk) and CPU load ceiling", body: updatePoolSchema, responses: { 200: poolSchema } }), async (c) => c.json(present(s.pools.update(c.req.param('id'), await jsonBody(c, updatePoolSchema), c.var.actor))))
    .put('/:id/network', doc({ summary: "Set a compute pool's network and address pool", description: 'Refused while its instances hold addresses from the old one.', body: poolNetworkSchema, responses: { 200: poolSchema } }), async (c) => {
      const body = await jsonBody(c, poolNetworkSchema);
      const networkId = body.network === null ? null : s.networks.get(body.network).id;
      const addressPoolId = body.addressPool ? s.addressPools.get(body.addressPool).id : null;
      return c.json(present(s.pools.setNetwork(c.req.param('id'), { networkId, addressPoolId }, c.var.actor)));
    })
    .delete('/:id', doc({ summary: 'Delete an empty compute pool', responses: { 204: null } }), (c) => {
      s.pools.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}

/** /storage-pools */
export function storagePoolRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List storage pools', query: pageQuerySchema, responses: { 200: pageSchema(storagePoolSchema) } }), (c) => c.json(mapPage(pageInMemory(s.storagePools.list(), byName, queryParams(c, pageQuerySchema)), presentStoragePool)))
    .post('/', doc({ summary: 'Create a local storage pool (a directory every host has)', body: createStoragePoolSchema, responses: { 201: storagePoolSchema } }), async (c) => c.json(presentStoragePool(s.storagePools.create(await jsonBody(c, createStoragePoolSchema), c.var.actor)), 201))
    .get('/:id', doc({ summary: 'Get a storage pool', responses: { 200: storagePoolSchema } }), (c) => c.json(presentStoragePool(s.storagePools.get(c.req.param('id')))))
    .delete('/:id', doc({ summary: 'Delete a storage pool nothing uses', responses: { 204: null } }), (c) => {
      s.storagePools.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}
