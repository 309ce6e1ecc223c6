/**
 * In-process test harness for the API: a real SQLite file in a temp dir, the fake hypervisor,
 * fake storage and the header-reading image inspector (no qemu-img). Requests go through
 * app.request() with no socket. With ONEBOX_TEST_AGENT=loopback (or `agent: 'loopback'`)
 * the local host is served through the loopback peer (HTTP on 127.0.0.1), so every API
 * test proves services cannot tell a peer from the local host. Every response of `call` is
 * checked against the OpenAPI document, and a handler validating with another schema than its
 * doc() names is an error.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { upgradeWebSocket } from '@hono/node-server';
import type { HostAgent } from '../cluster/host-agent.js';
import { HostAgents } from '../cluster/host-agent.js';
import { LocalHostAgent } from '../cluster/local-agent.js';
import { startLoopbackPeer, type LoopbackPeer } from '../cluster/peer/loopback.js';
import { openDatabase, type Db } from '../db/client.js';
import { hosts } from '../db/schema.js';
import { newId } from '../lib/ids.js';
import { FakeHypervisorDriver } from '../hypervisor/fake.js';
import type { Actor } from '../services/actor.js';
import { createServices, type Services } from '../services/index.js';
import { useCheapPasswordHashingInTests } from '../services/passwords.js';
import { FakeImageInspector } from '../storage/fake-inspector.js';
import type { ImageInspector } from '../storage/inspector.js';
import type { ImageImportOptions } from '../services/images.js';
import { FakeStorageDriver } from '../storage/fake.js';
import type { StoragePoolSpec } from '../storage/driver.js';
import { FileLibrary } from '../storage/library.js';
import type { NfsMode } from '../storage/nfs.js';
import { SetupCode } from '../lib/setup-code.js';
import { createApp } from './app.js';
import { openApiDocument } from './openapi.js';
import { ResponseChecker } from './response-check.js';
import { enforceDocumentedSchemas } from './route-doc.js';

/** A running in-process API with helpers. */
export interface TestApi {
  app: ReturnType<typeof createApp>;
  services: Services;
  hypervisor: FakeHypervisorDriver;
  /** The host agent behind the API's local host (its own data dir when served through the loopback peer). */
  agent: LocalHostAgent;
  /** The fake storage driver of the default storage pool. */
  storage: FakeStorageDriver;
  db: Db;
  dataDir: string;
  /** The admin as an Actor (after bootstrap). */
  admin: Actor;
  /** The one-time setup code of this data dir (undefined once the admin exists). */
  setupCode: string | undefined;
  /** Sends a request; JSON bodies are serialised; the admin token is used unless `token: null`. */
  call(method: string, path: string, opts?: { json?: unknown; body?: BodyInit; headers?: Record<string, string>; token?: string | null }): Promise<Response>;
  /** Creates the admin and an API token that `call` then uses. */
  bootstrap(): Promise<string>;
  /** Reopens the same data directory as a fresh process would (restart); the host's disks and domains persist. */
  restart(): Promise<TestApi>;
  close(): Promise<void>;
}

export const ADMIN = { username: 'admin', password: 'Sup3rSecret' };

enforceDocumentedSchemas();
/** The response checker, built once: every test API serves the same route table. */
let checker: ResponseChecker | undefined;

/** How the test API reaches its host. */
export type TestAgentMode = 'local' | 'loopback';

/** Options of {@link startTestApi}. */
export interface TestApiOptions {
  /** Reuse this data dir (a restart); a new temp dir otherwise. */
  dataDir?: string;
  hypervisor?: FakeHypervisorDriver;
  /** Storage drivers by pool directory (kept across restarts, as disks are). */
  storage?: Map<string, FakeStorageDriver>;
  /** API token to send by default. */
  token?: string;
  trustProxy?: boolean;
  agent?: TestAgentMode;
  lockWaitMs?: number;
  /** The image inspector of the library (default: the header-reading fake; tests of conversions pass the real qemu-img). */
  inspector?: ImageInspector;
  /** URL imports of images (default: private addresses allowed, fast resumptions). */
  imageImport?: ImageImportOptions;
  /** How the host reaches NFS pools (default: as this machine's kernel allows). */
  nfsMode?: NfsMode;
}

/** The agent mode of this test run: ONEBOX_TEST_AGENT=loopback serves the host through the loopback peer. */
export const testAgentMode = (): TestAgentMode => (process.env.ONEBOX_TEST_AGENT === 'loopback' ? 'loopback' : 'local');

/** Starts a test API; the data dir is removed by close(). */
export async function startTestApi(opts: TestApiOptions = {}): Promise<TestApi> {
  useCheapPasswordHashingInTests();
  const hypervisor = opts.hypervisor ?? new FakeHypervisorDriver();
  const root = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'onebox-api-')));
  const storages = opts.storage ?? new Map<string, FakeStorageDriver>();
  const mode = opts.agent ?? testAgentMode();
  const library = new FileLibrary(root, opts.inspector ?? new FakeImageInspector());
  await library.init();
  const db = openDatabase(join(root, 'onebox.db'), root);
  const agents = new HostAgents();
  const services = createServices({
    db, agents, library, setupCode: new SetupCode(join(root, 'setup-code')), kvmCpu: { kind: 'named', model: 'Nehalem' }, vncListen: '127.0.0.1', stopTimeoutMs: 2000,
    uploadLimits: { maxBytes: 64 * 1024 ** 2, reserveBytes: 0 }, lockWaitMs: opts.lockWaitMs,
    imageImport: opts.imageImport ?? { allowPrivate: true, retryDelayMs: 20 },
  });
  services.reconciler.markInterrupted();
  services.migrator.releaseInterrupted();
  const pool = services.pools.ensureDefault();
  services.storagePools.ensureDefault();
  // The host keeps its own directory: in loopback mode it is "another machine" that shares nothing with the controller.
  const hostDir = mode === 'loopback' ? join(root, 'peer-host') : root;
  const storage = (spec: StoragePoolSpec, defaultDir: string) => {
    // An NFS pool is a directory of its own here, shared by every fake host (as the export is).
    const dir = spec.kind === 'nfs' ? join(root, 'nfs', spec.server, spec.exportPath) : (spec.path ?? defaultDir);
    const existing = storages.get(dir);
    if (existing) return existing;
    const made = new FakeStorageDriver(dir);
    storages.set(dir, made);
    return made;
  };
  // What QEMU does to the disk files when a block job ends, for the fake hypervisor.
  hypervisor.blockJobEffect ??= async (job) => {
    for (const s of storages.values()) await s.emulateBlockJob(job);
  };
  // A migration certificate directory (never read by the fake hypervisor) lets live migration start from this host.
  const agent = new LocalHostAgent({ dataDir: hostDir, hypervisor, accel: { accel: 'tcg', reason: 'test' }, storage, nfsMode: opts.nfsMode, migrationPkiDir: join(hostDir, 'migration-tls') });
  let peer: LoopbackPeer | undefined;
  let attached: HostAgent = agent;
  if (mode === 'loopback') {
    peer = await startLoopbackPeer(agent);
    attached = peer.client;
  }
  await services.hosts.attach(attached, { local: true, defaultPoolId: pool.id, address: '127.0.0.1' });
  const setupCode = services.auth.prepareSetup();
  const app = createApp(services, { version: 'test', upgradeWebSocket, trustProxy: opts.trustProxy });
  let token = opts.token;
  let admin: Actor | undefined;

  const shutdown = async () => {
    await services.operations.settled();
    services.hosts.stop();
    services.auth.stopTokenUseFlush();
    await peer?.close();
    db.$client.close();
  };
  const api: TestApi = {
    app, services, hypervisor, agent, db, dataDir: root, setupCode,
    storage: storage(services.storagePools.specOf(null), agent.paths.instancesDir) as FakeStorageDriver,
    get admin(): Actor {
      if (!admin) throw new Error('call bootstrap() first');
      return admin;
    },
    async call(method, path, callOpts = {}) {
      const headers: Record<string, string> = { ...callOpts.headers };
      const auth = callOpts.token === undefined ? token : callOpts.token;
      if (auth) headers.authorization = `Bearer ${auth}`;
      let body = callOpts.body;
      if (callOpts.json !== undefined) {
        body = JSON.stringify(callOpts.json);
        headers['content-type'] = 'application/json';
      }
      const res = await app.request(path, { method, headers, body, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
      await (checker ??= new ResponseChecker(openApiDocument(app.routes, 'test'))).check(method, path, res);
      return res;
    },
    async bootstrap() {
      const setup = await api.call('POST', '/api/v1/setup', { json: { ...ADMIN, setupCode, network: { create: false } } });
      const user = ((await setup.json()) as { id: string }).id;
      admin = { userId: user, username: ADMIN.username, role: 'admin', ip: 'test' };
      const login = await api.call('POST', '/api/v1/sessions', { json: ADMIN });
      const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const res = await api.call('POST', '/api/v1/tokens', { json: { name: 'test' }, headers: { cookie, 'x-csrf-token': csrfToken } });
      token = ((await res.json()) as { token: string }).token;
      return token;
    },
    async restart() {
      await shutdown();
      const next = await startTestApi({ dataDir: root, hypervisor, storage: storages, token, agent: mode, inspector: opts.inspector, imageImport: opts.imageImport });
      if (admin) Object.defineProperty(next, 'admin', { value: admin });
      return next;
    },
    async close() {
      await shutdown();
      await rm(root, { recursive: true, force: true });
    },
  };
  return api;
}

/** One extra host of a test API. */
export interface FakeHost {
  id: string;
  name: string;
  cpus: number;
  memoryMiB: number;
  hypervisor: FakeHypervisorDriver;
  agent: LocalHostAgent;
}

/** Adds a host of the given size to `poolId` (default: the default pool) and attaches it. */
export async function addFakeHost(api: TestApi, spec: { name: string; cpus: number; memoryMiB: number; poolId?: string; cpu?: { model: string; features: string[] } }): Promise<FakeHost> {
  const poolId = spec.poolId ?? api.services.pools.ensureDefault().id;
  const dataDir = join(api.dataDir, 'hosts', spec.name);
  await mkdir(dataDir, { recursive: true });
  const hypervisor = new FakeHypervisorDriver({ hostInfo: { hostname: spec.name, cpus: spec.cpus, memoryMiB: spec.memoryMiB }, ...(spec.cpu ? { cpu: spec.cpu } : {}) });
  const storages = new Map<string, FakeStorageDriver>();
  const storage = (pool: StoragePoolSpec, defaultDir: string) => {
    const dir = pool.kind === 'nfs' ? join(dataDir, 'nfs', pool.server, pool.exportPath) : (pool.path ?? defaultDir);
    const made = storages.get(dir) ?? new FakeStorageDriver(dir);
    storages.set(dir, made);
    return made;
  };
  const agent = new LocalHostAgent({ dataDir, hypervisor, accel: { accel: 'tcg', reason: 'test' }, storage });
  const id = newId('host');
  api.db.insert(hosts).values({ id, name: spec.name, address: '127.0.0.1', poolId, accel: 'tcg', cpus: spec.cpus, memoryMiB: spec.memoryMiB }).run();
  await api.services.hosts.attach(agent, { hostId: id });
  return { id, name: spec.name, cpus: spec.cpus, memoryMiB: spec.memoryMiB, hypervisor, agent };
}
