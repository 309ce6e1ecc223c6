/**
 * Benchmark: 10,000 instance rows in SQLite (the in-process API harness, fake hypervisor), then
 * 500 authenticated `GET /api/v1/instances?state=running&name=web-&limit=50` at successive
 * cursors (wrapping around), timed end to end through the app (`app.request`: the server's work
 * without a socket, and without the harness's test-only check of each response against the
 * OpenAPI schemas, which `api.call` adds). It also prints the filtered query's plan, which must
 * walk the (name, id) index from the cursor. The last line is the p99.
 * Run: node --import tsx bench/list-p99.ts   (ROWS=10000 RUNS=500)
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { startTestApi } from '../src/api/test-harness.js';
import { createInstance, instanceBody } from '../src/api/tests/fixtures.js';
import { instances } from '../src/db/schema.js';
import { percentile } from './raw-virsh.js';

const ROWS = Number(process.env.ROWS ?? 10_000);
const RUNS = Number(process.env.RUNS ?? 500);
const api = await startTestApi({ agent: 'local' });
try {
  const token = await api.bootstrap();
  const get = (path: string) => api.app.request(path, { headers: { authorization: `Bearer ${token}`, host: 'localhost' } });
  await createInstance(api, instanceBody('template'));
  const template = api.db.select().from(instances).where(eq(instances.name, 'template')).get()!;
  const states = ['running', 'stopped', 'paused', 'error'] as const;
  api.db.transaction((tx) => {
    for (let i = 1; i < ROWS; i++)
      tx.insert(instances).values({ ...template, id: `inst_b${String(i).padStart(6, '0')}`, name: `${i % 2 ? 'web' : 'db'}-${String(i).padStart(5, '0')}`, state: states[Math.floor(i / 2) % 4], domainName: `bench-${i}`, domainUuid: randomUUID() }).run();
  });
  console.log(`${ROWS} instances`);
  const plan = api.db.$client.prepare("explain query plan select * from instances where state = 'running' and substr(name, 1, 4) = 'web-' and (name, id) > ('web-05001', '') order by name, id limit 51").all() as { detail: string }[];
  console.log(`query plan: ${plan.map((r) => r.detail).join('; ')}`);
  const base = '/api/v1/instances?state=running&name=web-&limit=50';
  const times: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < RUNS + 20; i++) {
    const t0 = performance.now();
    const res = await get(cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base);
    const page = (await res.json()) as { items: unknown[]; nextCursor: string | null };
    const ms = performance.now() - t0;
    if (res.status !== 200 || page.items.length === 0) throw new Error(`page ${i} answered ${res.status} with ${page.items.length} items`);
    if (i >= 20) times.push(ms); // the first ones warm up
    cursor = page.nextCursor;
  }
  const full = performance.now();
  const all = await get('/api/v1/instances?limit=1000');
  await all.arrayBuffer();
  console.log(`a page of 1000 unfiltered: ${(performance.now() - full).toFixed(1)} ms`);
  console.log(`filtered page of 50 of ${ROWS}: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms`);
} finally {
  await api.close();
}
