/**
 * Benchmark: CPU time per answer of authenticated `GET /api/v1/instances/:id` and
 * `GET /api/v1/instances` (20 instances, fake hypervisor), as the admin and as an operator of
 * the instances' group, through the real Node HTTP server code (@hono/node-server's listener,
 * node:http's ServerResponse) on an in-memory socket — no kernel, no client — against a bare
 * `node:http` handler answering the same bytes through the same socket, in turns.
 * Why next to bench/api-get-rate.ts: on a machine shared with other work the request rate over
 * loopback follows the scheduler more than the server; the thread's CPU time per answer (best of
 * ROUNDS) does not. The last line gives bare / onebox and operator / admin.
 * Run: node --import tsx bench/api-cpu-per-answer.ts   (N=2000 ROUNDS=5)
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { startTestApi } from '../src/api/test-harness.js';
import { FakeHypervisorDriver } from '../src/hypervisor/fake.js';
import { createInstance, instanceBody } from '../src/api/tests/fixtures.js';
import { addGroup, addPrincipal } from '../src/api/tests/principals.js';

const N = Number(process.env.N ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** One GET through `handler` on a socket that keeps what is written; resolves with the bytes sent. */
function answer(handler: Handler, path: string, token: string): Promise<Buffer> {
  const out: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      out.push(chunk);
      done();
    },
  });
  Object.assign(socket, { remoteAddress: '127.0.0.1' });
  const req = new IncomingMessage(socket as never);
  Object.assign(req, { method: 'GET', url: path, httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1, complete: true });
  req.rawHeaders = ['Host', 'localhost', 'Authorization', `Bearer ${token}`];
  req.headers = { host: 'localhost', authorization: `Bearer ${token}` };
  req.push(null);
  const res = new ServerResponse(req);
  res.assignSocket(socket as never);
  return new Promise((resolve) => {
    res.on('finish', () => resolve(Buffer.concat(out)));
    handler(req, res);
  });
}

/** The best CPU µs per answer over ROUNDS runs of N answers. */
async function cpuPerAnswer(handler: Handler, path: string, token: string): Promise<number> {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.threadCpuUsage();
    for (let i = 0; i < N; i++) await answer(handler, path, token);
    const used = process.threadCpuUsage(before);
    best = Math.min(best, (used.user + used.system) / N);
  }
  return best;
}

const api = await startTestApi({ agent: 'local', hypervisor: new FakeHypervisorDriver({ hostInfo: { cpus: 64, memoryMiB: 65536 } }) });
try {
  const adminToken = await api.bootstrap();
  const group = addGroup(api, 'g-1');
  const operator = addPrincipal(api, 'bench-operator', [{ groupId: group, role: 'operator' }]);
  let first = '';
  for (let i = 0; i < 20; i++) {
    const { instance } = await createInstance(api, instanceBody(`bench-${String(i).padStart(2, '0')}`, { groupId: group }));
    first ||= instance.id as string;
  }
  const onebox = getRequestListener(api.app.fetch);
  const ratios: string[] = [];
  for (const [name, path] of [['byId', `/api/v1/instances/${first}`], ['list', '/api/v1/instances']] as const) {
    // The bare handler sends onebox's own answer: same status line, headers and body bytes.
    const sent = await answer(onebox, path, adminToken);
    if (!sent.subarray(0, 15).toString().startsWith('HTTP/1.1 200')) throw new Error(`${path} answered ${sent.subarray(0, 40).toString()}`);
    const head = sent.subarray(0, sent.indexOf('\r\n\r\n')).toString().split('\r\n').slice(1);
    const headers = Object.fromEntries(head.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]).filter(([k]) => !['Date', 'Connection', 'Keep-Alive'].includes(k)));
    const body = sent.subarray(sent.indexOf('\r\n\r\n') + 4);
    const bare: Handler = (_req, res) => res.writeHead(200, headers).end(body);
    const admin = await cpuPerAnswer(onebox, path, adminToken);
    const op = await cpuPerAnswer(onebox, path, operator.token);
    const floor = await cpuPerAnswer(bare, path, adminToken);
    console.log(`${name} (${body.length} bytes): CPU per answer: onebox admin ${admin.toFixed(1)} µs, operator ${op.toFixed(1)} µs, bare node:http ${floor.toFixed(1)} µs`);
    ratios.push(`${name}: bare / onebox ${((100 * floor) / admin).toFixed(0)} %, operator / admin throughput ${((100 * admin) / op).toFixed(0)} %`);
  }
  console.log(ratios.join('; '));
} finally {
  await api.close();
}
