/** /pools (compute pools) and /storage-pools. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { createPoolSchema, createStoragePoolBodySchema, poolNetworkSchema, poolStorageSchema, updatePoolSchema, updateStoragePoolSchema } from '../../shared/schemas.js';
import { byName, mapPage, pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { presentPool, presentStoragePool } from '../presenters.js';
import { jsonBody, queryParams } from '../validate.js';
import { doc } from '../route-doc.js';
import { pageSchema, poolSchema, storagePoolSchema } from '../../shared/responses.js';

/** What the pool's CPU fields mean (in the API description). */
const POOL_CPU =
  "cpuModel is the model of the pool's CPU baseline: the CPU every host of the pool can give a guest, so its instances may live-migrate between them. It is recomputed when a host joins or leaves the pool; null while there is none (a pool with one host keeps the accelerator's default CPU). New instances get it; existing ones at their next cold start, when their domain is redefined. cpuBaselineHosts lists the hosts it covers.";

/** /pools */
export function poolRoutes(s: Services) {
  const present = (row: ReturnType<Services['pools']['get']>) => presentPool(row, s.storagePools.ensureDefault().id);
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List compute pools', description: POOL_CPU, query: pageQuerySchema, responses: { 200: pageSchema(poolSchema) } }), (c) => c.json(mapPage(pageInMemory(s.pools.list(), byName, queryParams(c, pageQuerySchema)), present)))
    .post('/', doc({ summary: 'Create a compute pool', body: createPoolSchema, responses: { 201: poolSchema } }), async (c) => {
      const { storagePool, ...input } = await jsonBody(c, createPoolSchema);
      const storagePoolId = storagePool === undefined ? null : s.storagePools.get(storagePool).id;
      return c.json(present(s.pools.create({ ...input, storagePoolId }, c.var.actor)), 201);
    })
    .get('/:id', doc({ summary: 'Get a compute pool', description: POOL_CPU, responses: { 200: poolSchema } }), (c) => c.json(present(s.pools.get(c.req.param('id')))))
    .patch('/:id', doc({ summary: "Change a compute pool's overcommit ratios (cpu, memory, disk) and CPU load ceiling", body: updatePoolSchema, responses: { 200: poolSchema } }), async (c) => c.json(present(s.pools.update(c.req.param('id'), await jsonBody(c, updatePoolSchema), c.var.actor))))
    .put('/:id/network', doc({ summary: "Set a compute pool's network and address pool", description: 'Refused while its instances hold addresses from the old one.', body: poolNetworkSchema, responses: { 200: poolSchema } }), async (c) => {
      const body = await jsonBody(c, poolNetworkSchema);
      const networkId = body.network === null ? null : s.networks.get(body.network).id;
      const addressPoolId = body.addressPool ? s.addressPools.get(body.addressPool).id : null;
      return c.json(present(s.pools.setNetwork(c.req.param('id'), { networkId, addressPoolId }, c.var.actor)));
    })
    .put('/:id/storage-pool', doc({ summary: "Attach a storage pool to a compute pool (id or name; null = the default one): the disks of instances created from then on live there", description: 'Refused (409 storage_pool_in_use) while instances of the pool have disks in its current storage pool. The hosts of the pool probe the storage pool at once.', body: poolStorageSchema, responses: { 200: poolSchema } }), async (c) => {
      const body = await jsonBody(c, poolStorageSchema);
      const storagePoolId = body.storagePool === null ? null : s.storagePools.get(body.storagePool).id;
      const row = s.pools.setStoragePool(c.req.param('id'), storagePoolId === s.storagePools.ensureDefault().id ? null : storagePoolId, c.var.actor);
      // The hosts of the pool check the storage pool at once, so its page shows their state.
      if (row.storagePoolId !== null) await s.storagePoolProbes.probe(row.storagePoolId);
      return c.json(present(row));
    })
    .delete('/:id', doc({ summary: 'Delete an empty compute pool', responses: { 204: null } }), (c) => {
      s.pools.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}

/** /storage-pools: `GET /:id` probes the pool on the hosts using it; the list shows their last state. */
export function storagePoolRoutes(s: Services) {
  const present = (row: ReturnType<Services['storagePools']['get']>) => presentStoragePool(row, s.storagePools.computePoolsOf(row.id), s.storagePoolProbes.states(row.id));
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List storage pools (with the last probe of each host using them)', query: pageQuerySchema, responses: { 200: pageSchema(storagePoolSchema) } }), (c) => c.json(mapPage(pageInMemory(s.storagePools.list(), byName, queryParams(c, pageQuerySchema)), present)))
    .post('/', doc({ summary: 'Create a storage pool: local (a directory every host has; kind may be left out) or nfs (server, exportPath, mountOptions)', body: createStoragePoolBodySchema, responses: { 201: storagePoolSchema } }), async (c) => c.json(present(s.storagePools.create(await jsonBody(c, createStoragePoolBodySchema), c.var.actor)), 201))
    .get('/:id', doc({ summary: 'Get a storage pool; an NFS pool is probed on the hosts of the compute pools using it (state mounted|error with the reason, free space)', responses: { 200: storagePoolSchema } }), async (c) => {
      const row = s.storagePools.get(c.req.param('id'));
      if (row.kind === 'nfs') await s.storagePoolProbes.probe(row.id);
      return c.json(present(row));
    })
    .patch('/:id', doc({ summary: "Rename a storage pool, or change an NFS pool's server, export or mount options (409 storage_pool_in_use while disks live there)", body: updateStoragePoolSchema, responses: { 200: storagePoolSchema } }), async (c) => {
      const row = s.storagePools.update(c.req.param('id'), await jsonBody(c, updateStoragePoolSchema), c.var.actor);
      if (row.kind === 'nfs') await s.storagePoolProbes.probe(row.id);
      return c.json(present(row));
    })
    .delete('/:id', doc({ summary: 'Delete a storage pool nothing uses (409 storage_pool_in_use while attached or while disks live there)', responses: { 204: null } }), (c) => {
      const id = s.storagePools.get(c.req.param('id')).id;
      s.storagePools.delete(id, c.var.actor);
      s.storagePoolProbes.forget(id);
      return c.body(null, 204);
    });
}
