/**
 * Benchmark: authenticated `GET /api/v1/instances/:id` requests/s as an operator of the
 * instance's group (the permission check resolves their memberships and the instance's group)
 * against the same request as the single admin, side by side in the same run with the same
 * client (bench/http-load.ts). Rounds alternate admin/operator; the best of each and the median
 * of the per-round ratios are compared (on a busy machine the median is the steadier figure).
 * The last line is the ratio (goal: within 10 %).
 * Run: node --import tsx bench/permission-check.ts   (SECONDS=3 ROUNDS=3 CONCURRENCY=16 INSTANCES=20)
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { startTestApi } from '../src/api/test-harness.js';
import { FakeHypervisorDriver } from '../src/hypervisor/fake.js';
import { createInstance, instanceBody } from '../src/api/tests/fixtures.js';
import { addGroup, addPrincipal } from '../src/api/tests/principals.js';
import { load } from './http-load.js';

const SECONDS = Number(process.env.SECONDS ?? 3);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const INSTANCES = Number(process.env.INSTANCES ?? 20);

const api = await startTestApi({ agent: 'local', hypervisor: new FakeHypervisorDriver({ hostInfo: { cpus: 64, memoryMiB: 65536 } }) });
let server: Server | undefined;
try {
  const adminToken = await api.bootstrap();
  // A few groups, the operator in two of them; the measured instance is in the operator's group.
  const groups = ['g-1', 'g-2', 'g-3', 'g-4'].map((name) => addGroup(api, name));
  const operator = addPrincipal(api, 'bench-operator', [
    { groupId: groups[0], role: 'operator' },
    { groupId: groups[1], role: 'viewer' },
  ]);
  let target = '';
  for (let i = 0; i < INSTANCES; i++) {
    const { instance } = await createInstance(api, instanceBody(`bench-${String(i).padStart(2, '0')}`, { groupId: groups[i % groups.length] }));
    if (i % groups.length === 0) target ||= instance.id as string;
  }
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise((r) => server!.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/instances/${target}`;
  const as = (token: string) => ({ authorization: `Bearer ${token}`, host: 'localhost' });
  for (const token of [adminToken, operator.token]) {
    const res = await fetch(url, { headers: as(token) });
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  }

  // In process first (app.request, no sockets): short alternating chunks, so a busy machine slows both alike.
  const inProcess = { admin: 0, operator: 0 };
  const path = `/api/v1/instances/${target}`;
  for (let chunk = 0; chunk < 40; chunk++) {
    for (const [who, token] of [['admin', adminToken], ['operator', operator.token]] as const) {
      const t0 = performance.now();
      for (let i = 0; i < 100; i++) await (await api.app.request(path, { headers: as(token) })).arrayBuffer();
      inProcess[who] += performance.now() - t0;
    }
  }
  console.log(`in process: admin ${(inProcess.admin / 4000 * 1000).toFixed(0)} µs/GET, operator ${(inProcess.operator / 4000 * 1000).toFixed(0)} µs/GET (operator / admin throughput ${((100 * inProcess.admin) / inProcess.operator).toFixed(1)} %)`);

  const best = { admin: 0, operator: 0 };
  const ratios: number[] = [];
  await load(url, { headers: as(adminToken), concurrency: CONCURRENCY, seconds: 1 }); // warm-up
  await load(url, { headers: as(operator.token), concurrency: CONCURRENCY, seconds: 1 });
  for (let round = 1; round <= ROUNDS; round++) {
    const a = await load(url, { headers: as(adminToken), concurrency: CONCURRENCY, seconds: SECONDS });
    const o = await load(url, { headers: as(operator.token), concurrency: CONCURRENCY, seconds: SECONDS });
    console.log(`round ${round}: admin ${a.perSecond.toFixed(0)} GET/s, operator ${o.perSecond.toFixed(0)} GET/s`);
    best.admin = Math.max(best.admin, a.perSecond);
    best.operator = Math.max(best.operator, o.perSecond);
    ratios.push(o.perSecond / a.perSecond);
  }
  ratios.sort((x, y) => x - y);
  console.log(`best: admin ${best.admin.toFixed(0)} GET/s, operator ${best.operator.toFixed(0)} GET/s`);
  console.log(`operator / admin: best ${((100 * best.operator) / best.admin).toFixed(1)} %, median of the rounds ${(100 * ratios[Math.floor(ratios.length / 2)]).toFixed(1)} % (goal: at least 90 %)`);
} finally {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
  }
  await api.close();
}
