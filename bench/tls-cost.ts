/**
 * Benchmark: what HTTPS costs. For HTTPS (onebox's own certificate) and `--insecure-http`, in
 * one run: start → first 200 on a fresh data dir (HTTPS issues its CA and certificate there) and
 * on a warm one (median of 5), then authenticated GET /api/v1/instances per second over
 * keep-alive connections (API token, 8 in parallel) with both servers up, in alternating
 * 1.5 s windows so both see the same background load (median of 8 each), and the server's CPU
 * time per request in each mode (from /proc, so other load on the machine hardly moves it).
 * Run: node --import tsx bench/tls-cost.ts
 * The last line is the HTTPS/HTTP ratio of GET/s a busy server can do, from its CPU time per
 * request (goal: at least 0.85).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getStatus, oneboxBin, startServe, stop, type Started } from './onebox-process.js';

const PARALLEL = 8;
const WINDOWS = 8;
const WINDOW_S = 1.5;
const ADMIN = { username: 'admin', password: 'B3nchPassword' };

interface Mode {
  name: 'HTTPS' | 'HTTP';
  args: string[];
}
const MODES: Mode[] = [
  { name: 'HTTPS', args: [] },
  { name: 'HTTP', args: ['--insecure-http'] },
];

/** A tiny JSON client over one keep-alive agent. */
function client(mode: Mode, port: number, dataDir: string) {
  const secure = mode.name === 'HTTPS';
  const ca = secure ? readFileSync(join(dataDir, 'tls', 'ca.pem')) : undefined;
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: PARALLEL, ca }) : new HttpAgent({ keepAlive: true, maxSockets: PARALLEL });
  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
      const request = secure ? httpsRequest : httpRequest;
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...(data ? { 'content-type': 'application/json' } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
      req.once('error', reject);
      req.end(data);
    });
  return { send, close: () => agent.destroy() };
}

/** Creates the admin with the setup code, logs in and returns an API token. */
async function apiToken(c: ReturnType<typeof client>, dataDir: string): Promise<string> {
  const setupCode = readFileSync(join(dataDir, 'setup-code'), 'utf8').trim();
  // No first NAT network: on the system libvirtd it would add a bridge to the root namespace.
  const setup = await c.send('POST', '/api/v1/setup', {}, { ...ADMIN, setupCode, network: { create: false } });
  if (setup.status !== 201) throw new Error(`setup answered ${setup.status}: ${setup.text}`);
  const login = await c.send('POST', '/api/v1/sessions', {}, ADMIN);
  const cookie = String(login.headers['set-cookie']).split(';')[0];
  const { csrfToken } = JSON.parse(login.text) as { csrfToken: string };
  const token = await c.send('POST', '/api/v1/tokens', { cookie, 'x-csrf-token': csrfToken }, { name: 'bench' });
  return (JSON.parse(token.text) as { token: string }).token;
}

/** CPU time (user + system) a process has used so far, in ms (from /proc; 10 ms resolution). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in ticks of 1/100 s
}

/** Authenticated GETs per second with PARALLEL requests in flight for `seconds`, and how many were done. */
async function getsPerSecond(c: ReturnType<typeof client>, token: string, seconds: number): Promise<{ rate: number; count: number }> {
  const headers = { authorization: `Bearer ${token}` };
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const res = await c.send('GET', '/api/v1/instances', headers);
      if (res.status !== 200) throw new Error(`GET /api/v1/instances answered ${res.status}: ${res.text}`);
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return { rate: done / ((performance.now() - t0) / 1000), count: done };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const bin = oneboxBin();
await getStatus(1, '/'); // load the client code paths before timing anything
await getStatus(1, '/', false);
const dirs = new Map(MODES.map((m) => [m.name, mkdtempSync(join(tmpdir(), `onebox-bench-tls-${m.name.toLowerCase()}-`))]));
const fresh = new Map<Mode['name'], number>();
const warm = new Map<Mode['name'], number[]>(MODES.map((m) => [m.name, []]));
const running = new Map<Mode['name'], Started>();
try {
  // Starts, the modes interleaved so that both see the same background load.
  for (const mode of MODES) {
    const run = await startServe(bin, dirs.get(mode.name)!, '/api/v1/health', 5, mode.args);
    fresh.set(mode.name, run.msToFirst200);
    await stop(run.child);
  }
  for (let i = 0; i < 5; i++)
    for (const mode of MODES) {
      const run = await startServe(bin, dirs.get(mode.name)!, '/api/v1/health', 5, mode.args);
      warm.get(mode.name)!.push(run.msToFirst200);
      if (i < 4) await stop(run.child);
      else running.set(mode.name, run);
    }
  // Throughput: both servers up, alternating windows of WINDOW_S seconds, median per mode.
  const clients = new Map<Mode['name'], { c: ReturnType<typeof client>; token: string }>();
  for (const mode of MODES) {
    const c = client(mode, running.get(mode.name)!.port, dirs.get(mode.name)!);
    const token = await apiToken(c, dirs.get(mode.name)!);
    await getsPerSecond(c, token, 1);
    clients.set(mode.name, { c, token });
  }
  const rates = new Map<Mode['name'], number[]>(MODES.map((m) => [m.name, []]));
  // Server CPU per request: what the wall-clock rate means on an idle machine, unlike the rate
  // itself hardly moved by other load on a shared one.
  const cpu = new Map<Mode['name'], { ms: number; count: number }>(MODES.map((m) => [m.name, { ms: 0, count: 0 }]));
  for (let i = 0; i < WINDOWS; i++)
    for (const mode of i % 2 ? [...MODES].reverse() : MODES) {
      const { c, token } = clients.get(mode.name)!;
      const pid = running.get(mode.name)!.child.pid!;
      const before = cpuMs(pid);
      const { rate, count } = await getsPerSecond(c, token, WINDOW_S);
      rates.get(mode.name)!.push(rate);
      const used = cpu.get(mode.name)!;
      used.ms += cpuMs(pid) - before;
      used.count += count;
    }
  for (const { c } of clients.values()) c.close();
  const perRequest = (name: Mode['name']) => cpu.get(name)!.ms / cpu.get(name)!.count;
  for (const mode of MODES)
    console.log(
      `${mode.name.padEnd(5)}: start→first 200 ${fresh.get(mode.name)!.toFixed(0)} ms fresh, ${median(warm.get(mode.name)!).toFixed(0)} ms warm (median of 5); ` +
        `${median(rates.get(mode.name)!).toFixed(0)} GET/s (median of ${WINDOWS} windows: ${rates.get(mode.name)!.map((r) => r.toFixed(0)).join(' ')}); ` +
        `server CPU ${(perRequest(mode.name) * 1000).toFixed(0)} µs per GET`,
    );
  const wall = median(rates.get('HTTPS')!) / median(rates.get('HTTP')!);
  console.log(`HTTPS/HTTP wall-clock GET/s on this (shared) machine: ${wall.toFixed(2)}`);
  console.log(`HTTPS/HTTP GET/s from server CPU per request: ${(perRequest('HTTP') / perRequest('HTTPS')).toFixed(2)} (goal ≥ 0.85)`);
} finally {
  for (const run of running.values()) await stop(run.child);
  for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
}
