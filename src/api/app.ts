/**
 * The HTTP application: request ids, the Host check and browser hardening headers, JSON size
 * limits, auth, the versioned API routes, problem+json errors and the SPA. Routes call
 * services; nothing here touches drivers.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { UpgradeWebSocket } from 'hono/ws';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../lib/errors.js';
import { HostAllowList } from '../lib/host-names.js';
import { newRequestId } from '../lib/ids.js';
import { log } from '../lib/log.js';
import type { Services } from '../services/index.js';
import { auditFailures } from './audit-failures.js';
import { requireAuth } from './auth.js';
import { HttpRequestCounter, metricsRoutes } from './metrics.js';
import { consoleSocketRoutes } from './console-ws.js';
import { resolveClientIp, resolveSecure, type AppEnv } from './env.js';
import { openApiDocument, type OpenApiDocument } from './openapi.js';
import { referencePage } from './api-reference.js';
import { doc } from './route-doc.js';
import { healthSchema } from '../shared/responses.js';
import { onError, problem, sendProblem } from './problem.js';
import { accountRoutes } from './routes/account.js';
import { auditRoutes } from './routes/audit.js';
import { groupRoutes, roleRoutes } from './routes/groups.js';
import { requirePermission } from './route-permissions.js';
import { hostRoutes } from './routes/hosts.js';
import { joinRoutes, joinTokenRoutes } from './routes/join.js';
import { imageRoutes } from './routes/images.js';
import { instanceRoutes } from './routes/instances.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { mediaRoutes } from './routes/media.js';
import { addressPoolRoutes, networkRoutes } from './routes/networks.js';
import { operationRoutes } from './routes/operations.js';
import { poolRoutes, storagePoolRoutes } from './routes/pools.js';
import { sessionRoutes } from './routes/session.js';
import { settingsRoutes } from './routes/settings.js';
import { tokenRoutes } from './routes/tokens.js';
import { usageRoutes } from './routes/usage.js';
import { userRoutes } from './routes/users.js';
import { contentSecurityPolicy, inlineScriptHashes, requireKnownHost, securityHeaders } from './security-headers.js';
import { staticUi } from './static-ui.js';

/** Options for {@link createApp}. */
export interface AppOptions {
  version: string;
  /** Reads an embedded UI asset by key (`ui/index.html`); omit to serve no UI. */
  readAsset?: (key: string) => Buffer | undefined;
  /** Take client addresses from X-Forwarded-For (set only when a reverse proxy you control is in front). */
  trustProxy?: boolean;
  /** The server's websocket upgrader (from @hono/node-server); omit where there is no socket (tests). */
  upgradeWebSocket?: UpgradeWebSocket;
  /**
   * Whether a Host header names this server (421 otherwise). Default: this host's names and
   * addresses and the loopback names.
   */
  allowsHost?: (host: string | undefined) => boolean;
  /** The origin browsers use behind a reverse proxy (`--public-url`); console websockets accept it. */
  publicOrigin?: string;
}

const isUpload = (method: string, path: string) => method === 'POST' && /^\/api\/v1\/(images|media)\/?$/.test(path);

/** Builds the Hono app. */
export function createApp(s: Services, opts: AppOptions) {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound((c) => sendProblem(c, problem(404, 'route_not_found', `No route ${c.req.method} ${c.req.path}.`)));
  const httpRequests = new HttpRequestCounter();
  app.use('*', httpRequests.middleware());
  let warnedUntrustedProxy = false; // said once: a proxy in front sends the header on every request
  app.use('*', async (c, next) => {
    const started = performance.now();
    c.set('requestId', c.req.header('x-request-id')?.slice(0, 64) || newRequestId());
    c.set('clientIp', resolveClientIp(c, opts.trustProxy === true));
    if (!opts.trustProxy && !warnedUntrustedProxy && c.req.header('x-forwarded-for')) {
      warnedUntrustedProxy = true;
      log.warn("requests carry X-Forwarded-For but --trust-proxy is off: every client counts as the proxy's address (one login throttle for all); start with --trust-proxy if that proxy is yours", { peer: c.var.clientIp });
    }
    c.set('secure', resolveSecure(c, opts.trustProxy === true));
    await next();
    // On the response as it is: c.header() on a finished response would rebuild it around its
    // body as a stream, which costs the Node server its one-write fast path on every request.
    const requestId = c.get('requestId');
    c.res.headers.set('x-request-id', requestId);
    if (log.writes('debug') && c.req.path.startsWith('/api/'))
      log.debug('request', { requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) });
  });
  const indexHtml = opts.readAsset?.('ui/index.html')?.toString('utf8') ?? '';
  app.use('*', securityHeaders(contentSecurityPolicy(inlineScriptHashes(indexHtml))));
  const allowList = new HostAllowList();
  app.use('*', requireKnownHost(opts.allowsHost ?? ((host) => allowList.allows(host))));
  const jsonLimit = bodyLimit({
    maxSize: 1024 * 1024,
    onError: () => {
      throw new AppError('body_too_large', 'The request body is larger than 1 MiB.');
    },
  });
  // GET and HEAD carry no body (the Node server gives them none): asking for it would build a full web Request.
  app.use('/api/*', (c, next) => (isUpload(c.req.method, c.req.path) || c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : jsonLimit(c, next)));

  const api = new Hono<AppEnv>();
  api.get('/health', doc({ summary: 'Liveness and version', public: true, responses: { 200: healthSchema } }), (c) => c.json({ status: 'ok', version: opts.version }));
  // Built from the route table on first use (every route is registered by then).
  let document: OpenApiDocument | undefined;
  const openApi = () => (document ??= openApiDocument(app.routes, opts.version));
  api.get('/openapi.json', doc({ summary: 'This document (OpenAPI 3.1)', public: true, responses: { 200: z.looseObject({ openapi: z.literal('3.1.0'), paths: z.record(z.string(), z.unknown()) }) } }), (c) => c.json(openApi()));
  api.route('/', sessionRoutes(s));
  api.route('/join', joinRoutes(s));
  const authed = new Hono<AppEnv>();
  authed.use('*', requireAuth(s.auth));
  authed.use('*', auditFailures(s.audit)); // before the permission check, so its refusals are audited too
  authed.use('*', requirePermission(s));
  authed.route('/groups', groupRoutes(s));
  authed.route('/roles', roleRoutes(s));
  authed.route('/users', userRoutes(s));
  authed.route('/session', accountRoutes(s));
  authed.route('/settings', settingsRoutes(s));
  authed.route('/tokens', tokenRoutes(s));
  authed.route('/images', imageRoutes(s));
  authed.route('/media', mediaRoutes(s));
  authed.route('/instances', instanceRoutes(s));
  authed.route('/instances', snapshotRoutes(s));
  authed.route('/operations', operationRoutes(s));
  authed.route('/hosts', hostRoutes(s));
  authed.route('/join-tokens', joinTokenRoutes(s));
  authed.route('/pools', poolRoutes(s));
  authed.route('/storage-pools', storagePoolRoutes(s));
  authed.route('/networks', networkRoutes(s));
  authed.route('/address-pools', addressPoolRoutes(s));
  authed.route('/audit', auditRoutes(s));
  authed.route('/', usageRoutes(s));
  if (opts.upgradeWebSocket) authed.route('/console', consoleSocketRoutes(s, opts.upgradeWebSocket, { publicOrigin: opts.publicOrigin }));
  api.route('/', authed);
  app.route('/api/v1', api);
  let reference: string | undefined;
  app.get('/api/docs', (c) => c.html((reference ??= referencePage(openApi()))));
  app.route('/metrics', metricsRoutes(s, httpRequests));
  if (opts.readAsset) app.use('*', staticUi(opts.readAsset));
  return app;
}
