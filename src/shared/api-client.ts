/**
 * The typed client of the onebox API, one method per endpoint, typed by the shared response
 * types. The network is injected as an {@link ApiTransport}: the browser UI gives it fetch with
 * its CSRF header and XHR uploads with progress; a CLI gives it Node's fetch with a bearer token
 * ({@link fetchTransport}). Error answers become {@link ApiError} with the API's stable `code`.
 */
import type { CloneInstanceInput } from './instance-clone.js';
import type { EvacuateHostInput, MigrateInstanceInput, MigrationTarget } from './migration.js';
import type { CreateImageFromInstanceRequest } from './instance-images.js';
import type { GuestInfo, GuestPasswordSet } from './guest.js';
import type { CreateSnapshotInput, InstanceSnapshot } from './snapshots.js';
import type * as z from 'zod';
import type {
  Accepted,
  AddressAllocation,
  AddressPool,
  ApiTokenCreated,
  ApiTokenInfo,
  ConsoleKind,
  ConsoleToken,
  BridgeSetupResult,
  Host,
  HostChange,
  HostInterface,
  Image,
  ImageUploadResult,
  Instance,
  InstanceCreated,
  InstanceUpdated,
  InstanceStats,
  ItemList,
  Media,
  Network,
  NetworkLease,
  InstanceDisk,
  Nic,
  Operation,
  Pool,
  ProblemBody,
  SessionInfo,
  VncInfo,
  GuestAddresses,
} from './api-types.js';
import type { PowerAction } from './instance-states.js';
import type { AuditEntry, AuditQuery } from './operations.js';
import type { UsageHistory, UsageRange } from './usage.js';
import type { batchSchema } from './batch.js';
import type { createTokenSchema } from './auth.js';
import type { JoinTokenView, NewJoinToken } from './join.js';
import type { createUserSchema, SecuritySettings, SessionSummary, updateUserSchema, UserAccount } from './users.js';
import type {
  bridgeSetupSchema,
  createAddressPoolSchema,
  createInstanceSchema,
  createNetworkSchema,
  createPoolSchema,
  imageUploadQuerySchema,
  imageUrlImportSchema,
  updateImageSchema,
  loginSchema,
  nicRequestSchema,
  poolNetworkSchema,
  setupSchema,
  updateAddressPoolSchema,
  updateInstanceSchema,
} from './schemas.js';

/** HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request as the client hands it to the transport; `path` is relative to `api/v1/`. */
export interface TransportRequest {
  method: HttpMethod;
  path: string;
  json?: unknown;
  /** A 401 is an expected answer (the session probe, login): the transport must not treat it as "logged out". */
  expectUnauthorized?: boolean;
}

/** The part of a response the client reads. */
export interface TransportResponse {
  status: number;
  statusText?: string;
  text(): Promise<string>;
}

/** An upload in flight: its response and a way to abort it. */
export interface RunningUpload<T> {
  done: Promise<T>;
  abort(): void;
}

/** Progress of an upload. */
export interface UploadProgress {
  loaded: number;
  total: number;
  /** Bytes per second over the upload so far. */
  rate: number;
}

/** What the client needs from the network. */
export interface ApiTransport {
  request(req: TransportRequest): Promise<TransportResponse>;
  /** POSTs `body` as the raw request body, reporting progress where the transport can. */
  upload(path: string, body: Blob, onProgress?: (p: UploadProgress) => void): RunningUpload<TransportResponse>;
  /** The URL of a path, for links and downloads (relative in the browser). */
  url(path: string): string;
}

/** An error answer of the API (or no answer at all: status 0), with its `detail` sentence and stable `code`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors: ProblemBody['errors'] = [],
  ) {
    super(detail);
  }
}

/** The problem body of an error answer as an ApiError, with the best sentence available. */
export function problemToError(status: number, statusText: string | undefined, text: string): ApiError {
  try {
    const body = JSON.parse(text) as Partial<ProblemBody>;
    if (typeof body === 'object' && body !== null) {
      const detail = body.detail || body.title || `The server answered ${status}.`;
      return new ApiError(status, body.code ?? 'http_error', detail, body.errors);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(status, 'http_error', `The server answered ${status}${statusText ? ` ${statusText}` : ''}.`);
}

/** Body of GET /setup. */
export interface SetupStatus {
  needed: boolean;
}

/** Input of POST /instances (defaults may be left out). */
export type CreateInstanceRequest = z.input<typeof createInstanceSchema>;
/** Input of POST /pools. */
export type CreatePoolRequest = z.input<typeof createPoolSchema>;
/** Input of POST /networks. */
export type CreateNetworkRequest = z.input<typeof createNetworkSchema>;
/** Input of POST /address-pools. */
export type CreateAddressPoolRequest = z.input<typeof createAddressPoolSchema>;
/** Input of POST /instances/batch (create N, or act on a selection). */
export type BatchRequest = z.input<typeof batchSchema>;
/** Input of PATCH /instances/:id. */
export type UpdateInstanceRequest = z.input<typeof updateInstanceSchema>;
/** Input of PATCH /address-pools/:id. */
export type UpdateAddressPoolRequest = z.input<typeof updateAddressPoolSchema>;
/** Input of PUT /pools/:id/network. */
export type PoolNetworkRequest = z.input<typeof poolNetworkSchema>;
/** Input of POST /instances/:id/nics. */
export type NicRequest = z.input<typeof nicRequestSchema>;
/** GET /address-pools/:id: the pool with its allocations. */
export type AddressPoolDetail = AddressPool & { allocations: AddressAllocation[] };
/** Input of POST /hosts/:id/bridge-setup. */
export type BridgeSetupRequest = z.input<typeof bridgeSetupSchema>;
/** Input of POST /setup. */
export type SetupRequest = z.input<typeof setupSchema>;
/** Input of POST /sessions. */
export type LoginRequest = z.input<typeof loginSchema>;
/** Input of POST /users. */
export type CreateUserRequest = z.input<typeof createUserSchema>;
/** Input of PATCH /users/:id. */
export type UpdateUserRequest = z.input<typeof updateUserSchema>;
/** Input of POST /tokens. */
export type CreateTokenRequest = z.input<typeof createTokenSchema>;
/** Metadata of an image upload. */
export type ImageUploadMeta = z.input<typeof imageUploadQuerySchema>;
/** An import from a URL: url, optional sha256, name, description, os. */
export type ImageUrlImport = z.input<typeof imageUrlImportSchema>;
/** Changes to an image. */
export type ImageChange = z.input<typeof updateImageSchema>;

/** What a power action answered: the changed instance, or an operation to follow (stop). */
export type ActionResult = { instance: Instance; operation?: undefined } | { instance?: undefined; operation: Operation };

/** Whether a JSON answer is a 202 body with an operation. */
export const isAccepted = (body: unknown): body is Accepted =>
  typeof body === 'object' && body !== null && typeof (body as Partial<Accepted>).operation?.id === 'string';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seg = encodeURIComponent;
const query = (params: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString();

/** The client over `transport`. */
export function createApiClient(transport: ApiTransport) {
  async function call<T>(method: HttpMethod, path: string, json?: unknown, expectUnauthorized = false): Promise<T> {
    let res: TransportResponse;
    try {
      res = await transport.request({ method, path, json, expectUnauthorized });
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(0, 'network_error', 'The server cannot be reached; check the connection and try again.');
    }
    const text = await res.text().catch(() => '');
    if (res.status < 200 || res.status > 299) throw problemToError(res.status, res.statusText, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  /** Every item of a list, following nextCursor page by page (1000 a page). */
  const items = async <T>(path: string) => {
    const all: T[] = [];
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const sep = path.includes('?') ? '&' : '?';
      const page = await call<ItemList<T>>('GET', cursor === undefined ? path : `${path}${sep}${query({ limit: '1000', cursor })}`);
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    }
    return all;
  };
  /** One page of a list. */
  const page = <T>(path: string, params: Record<string, string | undefined>) => {
    const q = query(params);
    return call<ItemList<T> & { nextCursor: string | null }>('GET', q ? `${path}?${q}` : path);
  };
  function upload<T>(path: string, body: Blob, onProgress?: (p: UploadProgress) => void): RunningUpload<T> {
    const running = transport.upload(path, body, onProgress);
    const done = running.done.then(async (res) => {
      const text = await res.text().catch(() => '');
      if (res.status < 200 || res.status > 299) throw problemToError(res.status, res.statusText, text);
      return JSON.parse(text) as T;
    });
    return { done, abort: () => running.abort() };
  }

  return {
    setup: {
      status: () => call<SetupStatus>('GET', 'setup', undefined, true),
      create: (input: SetupRequest) => call<unknown>('POST', 'setup', input, true),
    },
    session: {
      get: () => call<SessionInfo>('GET', 'session', undefined, true),
      create: (credentials: LoginRequest) => call<SessionInfo>('POST', 'sessions', credentials, true),
      delete: () => call<void>('DELETE', 'session'),
    },
    users: {
      list: (q?: string) => items<UserAccount>(q ? `users?${query({ q })}` : 'users'),
      get: (id: string) => call<UserAccount>('GET', `users/${seg(id)}`),
      create: (input: CreateUserRequest) => call<UserAccount>('POST', 'users', input),
      update: (id: string, change: UpdateUserRequest) => call<UserAccount>('PATCH', `users/${seg(id)}`, change),
      delete: (id: string) => call<void>('DELETE', `users/${seg(id)}`),
      resetPassword: (id: string, newPassword: string) => call<void>('POST', `users/${seg(id)}/actions/reset-password`, { newPassword }),
    },
    account: {
      /** Your open sessions; `current` marks this one. */
      sessions: () => items<SessionSummary>('session/sessions'),
      revokeSession: (id: string) => call<void>('DELETE', `session/sessions/${seg(id)}`),
      /** Changes your password; your other sessions end. */
      changePassword: (currentPassword: string, newPassword: string) => call<void>('POST', 'session/password', { currentPassword, newPassword }),
    },
    tokens: {
      list: () => items<ApiTokenInfo>('tokens'),
      /** The secret is in the answer only. */
      create: (input: CreateTokenRequest) => call<ApiTokenCreated>('POST', 'tokens', input),
      delete: (id: string) => call<void>('DELETE', `tokens/${seg(id)}`),
    },
    joinTokens: {
      /** A one-time join token (admins): its secret, the fingerprint to pin and the `onebox join` command, shown this once. */
      create: (expiresInMinutes?: number) => call<NewJoinToken>('POST', 'join-tokens', expiresInMinutes === undefined ? {} : { expiresInMinutes }),
      /** Join tokens as listed (never their secrets). */
      list: () => items<JoinTokenView>('join-tokens'),
      delete: (id: string) => call<void>('DELETE', `join-tokens/${seg(id)}`),
    },
    securitySettings: {
      get: () => call<SecuritySettings>('GET', 'settings/security'),
      update: (change: Partial<SecuritySettings>) => call<SecuritySettings>('PATCH', 'settings/security', change),
    },
    instances: {
      list: () => items<Instance>('instances'),
      /** One page of instances: `limit`, `cursor` (nextCursor of the previous page), filters `state`, `host`, `pool`, `name` (a prefix). */
      page: (params: { limit?: number; cursor?: string; state?: string; host?: string; pool?: string; name?: string } = {}) =>
        page<Instance>('instances', { ...params, limit: params.limit === undefined ? undefined : String(params.limit) }),
      get: (id: string) => call<Instance>('GET', `instances/${seg(id)}`),
      create: (input: CreateInstanceRequest) => call<InstanceCreated>('POST', 'instances', input),
      /** Changes name, cores, memory, autostart or description (running: cores and memory up to the maximums). */
      update: (id: string, change: UpdateInstanceRequest) => call<InstanceUpdated>('PATCH', `instances/${seg(id)}`, change),
      delete: (id: string) => call<Accepted>('DELETE', `instances/${seg(id)}`),
      /** Starts a batch: the parent operation's result lists every item, its child operation, state and error. */
      batch: (input: BatchRequest) => call<Accepted>('POST', 'instances/batch', input),
      /** A power action; `stop` answers with an operation, the others with the changed instance. */
      async act(id: string, action: PowerAction): Promise<ActionResult> {
        const body = await call<Instance | Accepted>('POST', `instances/${seg(id)}/actions/${action}`);
        return isAccepted(body) ? { operation: body.operation } : { instance: body };
      },
      startFromIso: (id: string, mediaId: string) => call<Accepted>('POST', `instances/${seg(id)}/actions/start-from-iso`, { mediaId }),
      insertMedia: (id: string, mediaId: string) => call<Instance>('POST', `instances/${seg(id)}/actions/insert-media`, { mediaId }),
      ejectMedia: (id: string) => call<Instance>('POST', `instances/${seg(id)}/actions/eject-media`),
      stats: (id: string) => call<InstanceStats>('GET', `instances/${seg(id)}/stats`),
      vnc: (id: string) => call<VncInfo>('GET', `instances/${seg(id)}/vnc`),
      /** What the guest printed on its serial console. */
      async consoleLog(id: string): Promise<string> {
        const res = await transport.request({ method: 'GET', path: `instances/${seg(id)}/console-log` });
        const text = await res.text();
        if (res.status !== 200) throw problemToError(res.status, res.statusText, text);
        return text;
      },
      consoleToken: (id: string, kind: ConsoleKind) => call<ConsoleToken>('POST', `instances/${seg(id)}/console-tokens`, { kind }),
      nics: (id: string) => items<Nic>(`instances/${seg(id)}/nics`),
      addNic: (id: string, nic: NicRequest) => call<Nic>('POST', `instances/${seg(id)}/nics`, nic),
      removeNic: (id: string, nicId: string) => call<void>('DELETE', `instances/${seg(id)}/nics/${seg(nicId)}`),
      /** The disks (system first) with their virtual and allocated sizes. */
      disks: (id: string) => items<InstanceDisk>(`instances/${seg(id)}/disks`),
      /** Adds a blank data disk (hot-plugged when running). */
      addDisk: (id: string, sizeGiB: number) => call<InstanceDisk>('POST', `instances/${seg(id)}/disks`, { sizeGiB }),
      /** Grows a disk (online when running); never shrinks. */
      growDisk: (id: string, diskId: string, sizeGiB: number) => call<InstanceDisk>('PATCH', `instances/${seg(id)}/disks/${seg(diskId)}`, { sizeGiB }),
      /** Removes a data disk and deletes its volume. */
      removeDisk: (id: string, diskId: string) => call<void>('DELETE', `instances/${seg(id)}/disks/${seg(diskId)}`),
      /** Builds an image from the stopped instance's system disk (an operation whose target is the new image). */
      createImage: (id: string, input: CreateImageFromInstanceRequest) => call<Accepted>('POST', `instances/${seg(id)}/actions/create-image`, input),
      /** Replaces the stopped instance's system disk by a new clone of its image (data disks kept; cloud-init runs again): an operation. */
      resetSystemDisk: (id: string) => call<Accepted>('POST', `instances/${seg(id)}/actions/reset-system-disk`),
      /** Compacts a disk of the stopped instance (an operation; its last message gives the sizes). */
      compactDisk: (id: string, diskId: string) => call<Accepted>('POST', `instances/${seg(id)}/disks/${seg(diskId)}/actions/compact`),
      /** The snapshot tree, oldest first, the current one marked. */
      snapshots: (id: string) => items<InstanceSnapshot>(`instances/${seg(id)}/snapshots`),
      /** Takes a disk-only snapshot (stopped or running). */
      createSnapshot: (id: string, input: CreateSnapshotInput) => call<InstanceSnapshot>('POST', `instances/${seg(id)}/snapshots`, input),
      /** Takes a snapshot of the running instance with its memory: an operation (the guest pauses while its memory is saved). */
      createMemorySnapshot: (id: string, input: CreateSnapshotInput & { memory: true }) => call<Accepted>('POST', `instances/${seg(id)}/snapshots`, input),
      /** Points the instance's disks back at a snapshot (what was written since the current one is discarded); one with memory resumes the guest running. */
      revertSnapshot: (id: string, snapshotId: string) => call<InstanceSnapshot>('POST', `instances/${seg(id)}/snapshots/${seg(snapshotId)}/actions/revert`),
      /** Deletes a snapshot, merging its data into the files above it (an operation). */
      deleteSnapshot: (id: string, snapshotId: string) => call<Accepted>('DELETE', `instances/${seg(id)}/snapshots/${seg(snapshotId)}`),
      /** Clones the instance (stopped, running or paused; no snapshots) into a new stopped one on the same host, named `input.name`, disks linked or full: the new instance and the copy's operation. */
      clone: (id: string, input: CloneInstanceInput) => call<InstanceCreated>('POST', `instances/${seg(id)}/actions/clone`, input),
      /** Moves the instance to another host of its pool (stopped: cold; running: with live true): an operation. */
      migrate: (id: string, input: MigrateInstanceInput) => call<Accepted>('POST', `instances/${seg(id)}/actions/migrate`, input),
      /** Each host of the instance's pool: whether it may take the instance now, and why not. */
      migrationTargets: (id: string) => call<ItemList<MigrationTarget>>('GET', `instances/${seg(id)}/migration-targets`),
      /** The addresses the running guest has (guest agent), or what DHCP leased it. */
      guestAddresses: (id: string) => call<GuestAddresses>('GET', `instances/${seg(id)}/guest-addresses`),
      /** What the guest reports through its agent (agent: 'unavailable' is a state). */
      guestInfo: (id: string) => call<GuestInfo>('GET', `instances/${seg(id)}/guest-info`),
      /** Sets a guest user's password through the agent (default user: the image's, else root). */
      setGuestPassword: (id: string, input: { username?: string; password: string }) => call<GuestPasswordSet>('POST', `instances/${seg(id)}/actions/set-guest-password`, input),
    },
    networks: {
      list: () => items<Network>('networks'),
      get: (id: string) => call<Network>('GET', `networks/${seg(id)}`),
      create: (input: CreateNetworkRequest) => call<Network>('POST', 'networks', input),
      delete: (id: string) => call<void>('DELETE', `networks/${seg(id)}`),
      leases: (id: string) => items<NetworkLease>(`networks/${seg(id)}/leases`),
    },
    addressPools: {
      list: () => items<AddressPool>('address-pools'),
      get: (id: string) => call<AddressPoolDetail>('GET', `address-pools/${seg(id)}`),
      create: (input: CreateAddressPoolRequest) => call<AddressPool>('POST', 'address-pools', input),
      update: (id: string, change: UpdateAddressPoolRequest) => call<AddressPool>('PATCH', `address-pools/${seg(id)}`, change),
      delete: (id: string) => call<void>('DELETE', `address-pools/${seg(id)}`),
    },
    images: {
      list: () => items<Image>('images'),
      get: (id: string) => call<Image>('GET', `images/${seg(id)}`),
      upload: (file: Blob, meta: ImageUploadMeta, onProgress?: (p: UploadProgress) => void) =>
        upload<ImageUploadResult>(`images?${query({ name: meta.name, description: meta.description, os: meta.os, tags: Array.isArray(meta.tags) ? meta.tags.join(',') : typeof meta.tags === 'string' ? meta.tags : undefined })}`, file, onProgress),
      /** Imports from an http(s) URL: 202 with the operation and the id the image will have. */
      importUrl: (input: ImageUrlImport) => call<Accepted & { imageId: string }>('POST', 'images', input),
      update: (id: string, change: ImageChange) => call<Image>('PATCH', `images/${seg(id)}`, change),
      delete: (id: string) => call<void>('DELETE', `images/${seg(id)}`),
      /** Where the image file downloads from (HTTP Range supported, so downloads can resume). */
      contentUrl: (id: string) => transport.url(`images/${seg(id)}/file`),
    },
    media: {
      list: () => items<Media>('media'),
      get: (id: string) => call<Media>('GET', `media/${seg(id)}`),
      upload: (file: Blob, meta: { name: string }, onProgress?: (p: UploadProgress) => void) =>
        upload<Media>(`media?${query({ name: meta.name })}`, file, onProgress),
      delete: (id: string) => call<void>('DELETE', `media/${seg(id)}`),
      rename: (id: string, name: string) => call<Media>('PATCH', `media/${seg(id)}`, { name }),
      /** Where the ISO file downloads from (HTTP Range supported). */
      contentUrl: (id: string) => transport.url(`media/${seg(id)}/file`),
    },
    hosts: {
      list: () => items<Host>('hosts'),
      get: (id: string) => call<Host>('GET', `hosts/${seg(id)}`),
      update: (id: string, change: HostChange) => call<Host>('PATCH', `hosts/${seg(id)}`, change),
      interfaces: (id: string) => items<HostInterface>(`hosts/${seg(id)}/interfaces`),
      /** Lists the steps (dry run), or with `confirm: true` makes the bridge, rolling back on failure. */
      bridgeSetup: (id: string, input: BridgeSetupRequest) => call<BridgeSetupResult>('POST', `hosts/${seg(id)}/bridge-setup`, input),
      /** Disables the host for scheduling and moves every instance off it: a parent operation with one child per instance. */
      evacuate: (id: string, input: EvacuateHostInput = {}) => call<Accepted>('POST', `hosts/${seg(id)}/actions/evacuate`, input),
    },
    pools: {
      list: () => items<Pool>('pools'),
      get: (id: string) => call<Pool>('GET', `pools/${seg(id)}`),
      create: (input: CreatePoolRequest) => call<Pool>('POST', 'pools', input),
      delete: (id: string) => call<void>('DELETE', `pools/${seg(id)}`),
      /** Sets the network (and address pool) new instances of the pool get. */
      setNetwork: (id: string, input: PoolNetworkRequest) => call<Pool>('PUT', `pools/${seg(id)}/network`, input),
    },
    usage: {
      /** The usage history of an instance, host or pool (or the zone without an id). */
      history: (kind: 'instances' | 'hosts' | 'pools' | 'zone', id: string | undefined, range: UsageRange) =>
        call<UsageHistory>('GET', kind === 'zone' ? `usage/history?range=${range}` : `${kind}/${seg(id ?? '')}/usage-history?range=${range}`),
    },
    audit: {
      /** Audit entries, newest first, narrowed by the query. */
      /** With a limit: the newest page only; without: every entry, page by page. */
      list: async (search: AuditQuery = {}) => {
        const { limit, ...filter } = search;
        const params = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, String(v)]));
        if (limit !== undefined) return (await page<AuditEntry>('audit', { ...params, limit: String(limit) })).items;
        const q = query(params);
        return items<AuditEntry>(q ? `audit?${q}` : 'audit');
      },
    },
    operations: {
      /** The newest operations (running and finished), with who started them. */
      /** With a limit: the newest page only (the task log); without: every operation, page by page. */
      list: async (limit?: number) => (limit === undefined ? items<Operation>('operations') : (await page<Operation>('operations', { limit: String(limit) })).items),
      get: (id: string) => call<Operation>('GET', `operations/${seg(id)}`),
      /** Asks a running cancellable operation to stop; it then ends failed with its cancel code. */
      cancel: async (id: string) => (await call<Accepted>('POST', `operations/${seg(id)}/actions/cancel`)).operation,
      /** Polls an operation until it finishes; throws ApiError with its error when it failed. */
      async wait(op: Operation, onUpdate?: (op: Operation) => void, intervalMs = 700): Promise<Operation> {
        let current = op;
        onUpdate?.(current);
        while (current.state === 'running') {
          await sleep(intervalMs);
          current = await call<Operation>('GET', `operations/${seg(op.id)}`);
          onUpdate?.(current);
        }
        if (current.state === 'failed')
          throw new ApiError(409, current.errorCode ?? 'operation_failed', current.errorDetail || `The ${current.kind} operation failed.`);
        return current;
      },
    },
  };
}

/** The typed API client. */
export type ApiClient = ReturnType<typeof createApiClient>;

/** Options of {@link fetchTransport}. */
export interface FetchTransportOptions {
  /** Base URL ending in `/api/v1/` (absolute for Node; relative in a browser). */
  baseUrl: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Extra headers per request (e.g. `authorization: Bearer obt_…`). */
  headers?: () => Record<string, string>;
}

/** A transport on fetch, for Node (the CLI) or a browser; uploads report progress only at the end. */
export function fetchTransport(opts: FetchTransportOptions): ApiTransport {
  const doFetch = opts.fetch ?? fetch;
  const url = (path: string) => `${opts.baseUrl.replace(/\/?$/, '/')}${path}`;
  return {
    url,
    async request(req) {
      const headers: Record<string, string> = { accept: 'application/json', ...opts.headers?.() };
      let body: string | undefined;
      if (req.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(req.json);
      }
      return doFetch(url(req.path), { method: req.method, headers, body });
    },
    upload(path, body, onProgress) {
      const abort = new AbortController();
      const started = Date.now();
      const done = doFetch(url(path), {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', ...opts.headers?.() },
        body,
        signal: abort.signal,
      }).then((res) => {
        onProgress?.({ loaded: body.size, total: body.size, rate: body.size / Math.max(0.001, (Date.now() - started) / 1000) });
        return res;
      });
      return { done, abort: () => abort.abort() };
    },
  };
}
