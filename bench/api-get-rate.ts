/**
 * Benchmark: authenticated `GET /api/v1/instances/:id` and `GET /api/v1/instances` (20
 * instances, fake hypervisor: API-only numbers) requests/s over plain HTTP on loopback, against
 * a bare `node:http` server answering the same bytes with the same headers, in the same run,
 * with the same client (bench/http-load.ts: keep-alive, fixed concurrency, in a worker thread),
 * taking turns in ROUNDS slices; also the servers' thread CPU time per answer.
 * The last line is the two ratios. PROFILE=dir adds a run of each server alone, CPU-profiled (not the set-up),
 * into dir/onebox-<path>.cpuprofile and dir/bare-<path>.cpuprofile.
 * Run: node --import tsx bench/api-get-rate.ts   (SECONDS=5 ROUNDS=5 CONCURRENCY=16 INSTANCES=20 PROFILE=)
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { startTestApi } from '../src/api/test-harness.js';
import { FakeHypervisorDriver } from '../src/hypervisor/fake.js';
import { createInstance, instanceBody } from '../src/api/tests/fixtures.js';
import { load } from './http-load.js';

const SECONDS = Number(process.env.SECONDS ?? 5);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const INSTANCES = Number(process.env.INSTANCES ?? 20);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PROFILE = process.env.PROFILE;

/** Runs `work`, CPU-profiled into PROFILE/<name>.cpuprofile when PROFILE is set. */
async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!PROFILE) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${PROFILE}/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}

const listen = (server: Server) => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
const closeServer = (server: Server) => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });

const api = await startTestApi({ agent: 'local', hypervisor: new FakeHypervisorDriver({ hostInfo: { cpus: 64, memoryMiB: 65536 } }) });
const servers: Server[] = [];
try {
  const token = await api.bootstrap();
  let first = '';
  for (let i = 0; i < INSTANCES; i++) {
    const { instance } = await createInstance(api, instanceBody(`bench-${String(i).padStart(2, '0')}`));
    first ||= instance.id as string;
  }
  const app = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  servers.push(app);
  await new Promise((r) => app.once('listening', r));
  const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const auth = { authorization: `Bearer ${token}`, host: 'localhost' };

  // The bare server answers each path with the bytes and headers onebox gave for it.
  const recorded = new Map<string, { body: Buffer; headers: Record<string, string> }>();
  const paths = { byId: `/api/v1/instances/${first}`, list: '/api/v1/instances' };
  for (const path of Object.values(paths)) {
    const res = await fetch(appUrl + path, { headers: auth });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => { if (!['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)) headers[k] = v; });
    recorded.set(path, { body: Buffer.from(await res.arrayBuffer()), headers });
  }
  const bare = createServer((req, res) => {
    const r = recorded.get(req.url ?? '');
    if (!r) return void res.writeHead(404).end();
    res.writeHead(200, r.headers).end(r.body);
  });
  servers.push(bare);
  const bareUrl = await listen(bare);

  const ratios: string[] = [];
  const run = (url: string, seconds: number) => load(url, { headers: auth, concurrency: CONCURRENCY, seconds });
  // The two servers take turns in ROUNDS short slices, so a change in what else the machine runs
  // (shared CI, other builds) falls on both alike; the CPU time of this (the servers') thread per
  // answer is measured on the same slices and does not depend on how fast the client thread is.
  const sideBySide = async (appPath: string) => {
    const total = { app: { requests: 0, seconds: 0, cpuUs: 0 }, bare: { requests: 0, seconds: 0, cpuUs: 0 } };
    for (let r = 0; r < ROUNDS; r++)
      for (const [which, url] of [['app', appUrl + appPath], ['bare', bareUrl + appPath]] as const) {
        const before = process.threadCpuUsage();
        const res = await run(url, SECONDS / ROUNDS);
        const used = process.threadCpuUsage(before);
        total[which].requests += res.requests;
        total[which].seconds += res.seconds;
        total[which].cpuUs += used.user + used.system;
      }
    const rate = (t: typeof total.app) => t.requests / t.seconds;
    const cpu = (t: typeof total.app) => t.cpuUs / t.requests;
    return { app: { perSecond: rate(total.app), cpu: cpu(total.app) }, bare: { perSecond: rate(total.bare), cpu: cpu(total.bare) } };
  };
  for (const [name, path] of Object.entries(paths)) {
    await run(appUrl + path, 1); // warm-up
    const { app: a, bare: b } = await sideBySide(path);
    const bytes = recorded.get(path)!.body.length;
    console.log(`${name} (${bytes} bytes): onebox ${a.perSecond.toFixed(0)} req/s, bare node:http ${b.perSecond.toFixed(0)} req/s`);
    console.log(`${name}: server thread CPU per answer: onebox ${a.cpu.toFixed(0)} µs, bare node:http ${b.cpu.toFixed(0)} µs (${((100 * b.cpu) / a.cpu).toFixed(0)} %)`);
    if (PROFILE) {
      await profiled(`onebox-${name}`, () => run(appUrl + path, SECONDS));
      await profiled(`bare-${name}`, () => run(bareUrl + path, SECONDS));
    }
    ratios.push(`${name} ${((100 * a.perSecond) / b.perSecond).toFixed(0)} %`);
  }
  console.log(`onebox / bare node:http: ${ratios.join(', ')}`);
} finally {
  for (const s of servers) await closeServer(s);
  await api.close();
}
