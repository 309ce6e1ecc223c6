/**
 * Benchmark: 1,000 address allocations in one address pool of ~65,000 addresses (a /16 NAT
 * network), each as onebox records a new instance's NIC: inside the instance's transaction, pick
 * a free MAC, pick the first free address of the pool, insert the NIC row (InstanceNics, on the
 * real SQLite file of the in-process API harness). The floor, timed the same way in the same
 * kind of transaction: inserting a NIC row whose MAC and address are already known. Prints the
 * p50/p99 of both; the last line is the p99 and its ratio to the floor's.
 * Run: node --import tsx bench/ip-allocation.ts
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { startTestApi } from '../src/api/test-harness.js';
import type { Db } from '../src/db/client.js';
import { instanceNics, instances } from '../src/db/schema.js';
import { newId } from '../src/lib/ids.js';
import { InstanceNics } from '../src/services/instances/nics.js';
import { percentile } from './raw-virsh.js';

const N = Number(process.env.N ?? 1000);
const api = await startTestApi();
try {
  await api.bootstrap();
  const s = api.services;
  const net = await s.networks.create({ kind: 'nat', name: 'big', subnet: '10.200.0.0/16' }, api.admin);
  // 10.200.0.10 – 10.200.253.255: 65,014 addresses (the top of the subnet is libvirt's own DHCP range).
  const pool = await s.addressPools.create({ name: 'big', network: 'big', mode: 'dhcp', gateway: net.gateway ?? '', dnsServers: [], ranges: [{ start: '10.200.0.10', end: '10.200.253.255', prefix: 16 }] }, api.admin);
  const computePool = s.pools.setNetwork('default', { networkId: net.id, addressPoolId: pool.id }, api.admin);
  console.log(`address pool of ${s.addressPools.usage(pool).size} addresses`);

  // A template instance row to clone: every allocation belongs to a real instance row, as in a create.
  const created = await api.call('POST', '/api/v1/instances', { json: { name: 'template', cores: 1, memoryMiB: 64, disk: { source: 'blank', sizeGiB: 1 }, nics: [] } });
  if (created.status !== 202) throw new Error(`create answered ${created.status}: ${await created.text()}`);
  const template = api.db.select().from(instances).where(eq(instances.name, 'template')).get();
  if (!template) throw new Error('no template instance');
  const nics = new InstanceNics(api.db, s.networks, s.addressPools);
  const newInstance = (tx: Db, i: number, prefix: string) => {
    const id = newId('inst');
    tx.insert(instances).values({ ...template, id, name: `${prefix}-${i}`, domainName: `${prefix}-${i}-${id}`, domainUuid: randomUUID() }).run();
    return id;
  };

  const alloc: number[] = [];
  for (let i = 0; i < N; i++) {
    api.db.transaction((tx) => {
      const id = newInstance(tx as unknown as Db, i, 'alloc');
      const t0 = performance.now();
      nics.insertForNew(tx as unknown as Db, id, computePool, undefined);
      alloc.push(performance.now() - t0);
    });
  }
  const floor: number[] = [];
  for (let i = 0; i < N; i++) {
    api.db.transaction((tx) => {
      const id = newInstance(tx as unknown as Db, i, 'floor');
      const mac = `52:54:01:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      const t0 = performance.now();
      tx.insert(instanceNics).values({ id: newId('nic'), instanceId: id, position: 0, networkId: net.id, mac, addressPoolId: null, address: null }).run();
      floor.push(performance.now() - t0);
    });
  }
  const allocated = s.addressPools.usage(pool).allocated;
  if (allocated !== N) throw new Error(`${allocated} addresses allocated, expected ${N}`);
  const f = (v: number) => `${(v * 1000).toFixed(0)} µs`;
  console.log(`allocation: p50 ${f(percentile(alloc, 50))}, p99 ${f(percentile(alloc, 99))}, max ${f(Math.max(...alloc))}`);
  console.log(`floor (insert a known NIC row): p50 ${f(percentile(floor, 50))}, p99 ${f(percentile(floor, 99))}`);
  console.log(`address allocation, ${N} in a pool of 65,014: p99 ${f(percentile(alloc, 99))} (goal < 1 ms), ${(percentile(alloc, 99) / percentile(floor, 99)).toFixed(1)}× the floor's p99`);
} finally {
  await api.close();
}
