/**
 * In-process test harness for the API: a real SQLite file in a temp dir, real qemu-img,
 * and the fake hypervisor. Requests go through app.request() with no socket.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { upgradeWebSocket } from '@hono/node-server';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostAgents } from '../cluster/host-agent.js';
import { openDatabase, type Db } from '../db/client.js';
import { FakeHypervisorDriver } from '../hypervisor/fake.js';
import { createServices, type Services } from '../services/index.js';
import { DataPaths } from '../services/paths.js';
import { LocalStorageDriver } from '../storage/local.js';
import { createApp } from './app.js';

/** A running in-process API with helpers. */
export interface TestApi {
  app: ReturnType<typeof createApp>;
  services: Services;
  hypervisor: FakeHypervisorDriver;
  db: Db;
  paths: DataPaths;
  /** The one-time setup code of this data dir (undefined once the admin exists). */
  setupCode: string | undefined;
  /** Sends a request; JSON bodies are serialised; the admin token is used unless `token: null`. */
  call(method: string, path: string, opts?: { json?: unknown; body?: BodyInit; headers?: Record<string, string>; token?: string | null }): Promise<Response>;
  /** Creates the admin and an API token that `call` then uses. */
  bootstrap(): Promise<string>;
  /** Reopens the same data directory as a fresh process would (restart). */
  restart(): Promise<TestApi>;
  close(): Promise<void>;
}

export const ADMIN = { username: 'admin', password: 'Sup3rSecret' };

/** Options of {@link startTestApi}. */
export interface TestApiOptions {
  /** Reuse this data dir (a restart); a new temp dir otherwise. */
  dataDir?: string;
  hypervisor?: FakeHypervisorDriver;
  /** API token to send by default. */
  token?: string;
  trustProxy?: boolean;
}

/** Starts a test API; the data dir is removed by close(). */
export async function startTestApi(opts: TestApiOptions = {}): Promise<TestApi> {
  const hypervisor = opts.hypervisor ?? new FakeHypervisorDriver();
  const root = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'onebox-api-')));
  const paths = new DataPaths(root);
  for (const dir of [paths.imagesDir, paths.mediaDir, paths.instancesDir, paths.uploadsDir]) await mkdir(dir, { recursive: true });
  const db = openDatabase(paths.database, root);
  const agents = new HostAgents();
  const storage = new LocalStorageDriver();
  const services = createServices({ db, agents, paths, storage, kvmCpu: { kind: 'named', model: 'Nehalem' }, vncListen: '127.0.0.1', stopTimeoutMs: 2000 });
  const pool = services.pools.ensureDefault();
  const info = await hypervisor.hostInfo();
  const host = services.hosts.registerLocal({ info, accel: 'tcg', accelReason: 'test', address: '127.0.0.1' }, pool.id);
  agents.register({ hostId: host.id, hypervisor, storage });
  const unsubscribe = hypervisor.onLifecycle((e) => void services.instances.onLifecycleEvent(e));
  await services.instances.reconcileAll();
  const setupCode = services.auth.prepareSetup();
  const app = createApp(services, { version: 'test', upgradeWebSocket, trustProxy: opts.trustProxy });
  let token = opts.token;

  const api: TestApi = {
    app, services, hypervisor, db, paths, setupCode,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const auth = opts.token === undefined ? token : opts.token;
      if (auth) headers.authorization = `Bearer ${auth}`;
      let body = opts.body;
      if (opts.json !== undefined) {
        body = JSON.stringify(opts.json);
        headers['content-type'] = 'application/json';
      }
      return app.request(path, { method, headers, body, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
    },
    async bootstrap() {
      await api.call('POST', '/api/v1/setup', { json: { ...ADMIN, setupCode } });
      const login = await api.call('POST', '/api/v1/sessions', { json: ADMIN });
      const cookie = login.headers.get('set-cookie')!.split(';')[0];
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const res = await api.call('POST', '/api/v1/tokens', { json: { name: 'test' }, headers: { cookie, 'x-csrf-token': csrfToken } });
      token = ((await res.json()) as { token: string }).token;
      return token;
    },
    async restart() {
      await services.operations.settled();
      unsubscribe();
      db.$client.close();
      return startTestApi({ dataDir: root, hypervisor, token });
    },
    async close() {
      await services.operations.settled();
      unsubscribe();
      db.$client.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  return api;
}
