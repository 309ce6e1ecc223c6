/**
 * The one table of what each API route needs, and the middleware that enforces it. Routes
 * under `/instances/:id`, `/images/:id` and `/media/:id` are checked on that resource: one the
 * caller cannot see is a 404 (as if missing, so ids do not leak), one they see without the
 * permission a 403 naming it. Lists of group-owned things ({@link LIST_ROUTES}) are open to
 * every caller and show only what the caller may read (nothing for a user in no group). Other
 * permissions are held "somewhere" (in any of the caller's groups); creates then narrow to the
 * caller's groups in the route.
 */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { AppError } from '../lib/errors.js';
import type { Actor } from '../services/actor.js';
import type { Services } from '../services/index.js';
import type { Permission } from '../shared/permissions.js';
import type { AppEnv } from './env.js';

/** What a route needs: a permission, or only a logged-in caller (the route limits itself to the caller's own things). */
export type RouteRule = Permission | 'authenticated';

/** Routes anyone may call: they authenticate themselves or need no account. */
export const PUBLIC_ROUTES: readonly string[] = [
  'GET /api/v1/health',
  'GET /api/v1/openapi.json',
  'GET /api/v1/setup',
  'POST /api/v1/setup',
  'POST /api/v1/sessions',
  'GET /api/v1/session',
  'DELETE /api/v1/session',
  'GET /api/docs',
  // A new server joining: the one-time join token in the body is its credential.
  'POST /api/v1/join',
];

/** Every authenticated route (METHOD + Hono route path) and what it needs. */
export const ROUTE_PERMISSIONS: Readonly<Record<string, RouteRule>> = {
  'GET /api/v1/tokens': 'authenticated',
  'POST /api/v1/tokens': 'authenticated',
  'DELETE /api/v1/tokens/:id': 'authenticated',
  'GET /api/v1/session/sessions': 'authenticated',
  'DELETE /api/v1/session/sessions/:id': 'authenticated',
  'POST /api/v1/session/password': 'authenticated',
  'GET /api/v1/settings/security': 'authenticated',
  'PATCH /api/v1/settings/security': 'users.manage',
  'GET /api/v1/users': 'users.manage',
  'POST /api/v1/users': 'users.manage',
  'GET /api/v1/users/:id': 'users.manage',
  'PATCH /api/v1/users/:id': 'users.manage',
  'DELETE /api/v1/users/:id': 'users.manage',
  'POST /api/v1/users/:id/actions/reset-password': 'users.manage',
  'GET /api/v1/groups': 'authenticated',
  'POST /api/v1/groups': 'users.manage',
  'GET /api/v1/groups/:id': 'authenticated',
  'PATCH /api/v1/groups/:id': 'users.manage',
  'DELETE /api/v1/groups/:id': 'users.manage',
  'GET /api/v1/groups/:id/members': 'authenticated',
  'POST /api/v1/groups/:id/members': 'users.manage',
  'DELETE /api/v1/groups/:id/members/:userId': 'users.manage',
  'GET /api/v1/roles': 'authenticated',
  'POST /api/v1/roles': 'users.manage',
  'DELETE /api/v1/roles/:name': 'users.manage',
  'GET /api/v1/images': 'images.read',
  'GET /api/v1/images/:id': 'images.read',
  'POST /api/v1/images': 'images.manage',
  'GET /api/v1/images/:id/file': 'images.read',
  'GET /api/v1/images/:id/content': 'images.read',
  'PATCH /api/v1/images/:id': 'images.manage',
  'DELETE /api/v1/images/:id': 'images.manage',
  'GET /api/v1/media': 'media.read',
  'GET /api/v1/media/:id': 'media.read',
  'POST /api/v1/media': 'media.manage',
  'GET /api/v1/media/:id/file': 'media.read',
  'GET /api/v1/media/:id/content': 'media.read',
  'PATCH /api/v1/media/:id': 'media.manage',
  'DELETE /api/v1/media/:id': 'media.manage',
  'GET /api/v1/instances': 'instances.read',
  'GET /api/v1/instances/export': 'instances.read',
  'POST /api/v1/instances': 'instances.create',
  'POST /api/v1/instances/batch': 'instances.power',
  'GET /api/v1/instances/:id': 'instances.read',
  'PATCH /api/v1/instances/:id': 'instances.modify',
  'DELETE /api/v1/instances/:id': 'instances.delete',
  'POST /api/v1/instances/:id/actions/stop': 'instances.power',
  'POST /api/v1/instances/:id/actions/start-from-iso': 'instances.power',
  'POST /api/v1/instances/:id/actions/insert-media': 'instances.power',
  'POST /api/v1/instances/:id/actions/set-guest-password': 'instances.modify',
  'POST /api/v1/instances/:id/actions/eject-media': 'instances.power',
  'POST /api/v1/instances/:id/actions/create-image': 'instances.modify',
  'POST /api/v1/instances/:id/actions/clone': 'instances.create',
  'POST /api/v1/instances/:id/actions/reset-system-disk': 'instances.modify',
  'GET /api/v1/instances/:id/migration-targets': 'hosts.manage',
  'POST /api/v1/instances/:id/actions/migrate': 'hosts.manage',
  'POST /api/v1/instances/:id/disks/:diskId/actions/compact': 'instances.modify',
  'POST /api/v1/instances/:id/actions/:action': 'instances.power',
  'POST /api/v1/instances/:id/console-tokens': 'instances.console',
  'GET /api/v1/instances/:id/nics': 'instances.read',
  'POST /api/v1/instances/:id/nics': 'instances.modify',
  'DELETE /api/v1/instances/:id/nics/:nicId': 'instances.modify',
  'GET /api/v1/instances/:id/disks': 'instances.read',
  'POST /api/v1/instances/:id/disks': 'instances.modify',
  'PATCH /api/v1/instances/:id/disks/:diskId': 'instances.modify',
  'DELETE /api/v1/instances/:id/disks/:diskId': 'instances.modify',
  'GET /api/v1/instances/:id/stats': 'instances.read',
  'GET /api/v1/instances/:id/guest-info': 'instances.read',
  'GET /api/v1/instances/:id/guest-addresses': 'instances.read',
  'GET /api/v1/instances/:id/vnc': 'instances.console',
  'GET /api/v1/instances/:id/console-log': 'instances.read',
  'GET /api/v1/instances/:id/snapshots': 'instances.read',
  'POST /api/v1/instances/:id/snapshots': 'snapshots.manage',
  'GET /api/v1/instances/:id/snapshots/:snapshotId': 'instances.read',
  'POST /api/v1/instances/:id/snapshots/:snapshotId/actions/revert': 'snapshots.manage',
  'DELETE /api/v1/instances/:id/snapshots/:snapshotId': 'snapshots.manage',
  'GET /api/v1/instances/:id/usage-history': 'instances.read',
  'GET /api/v1/operations': 'operations.read',
  'GET /api/v1/operations/:id': 'operations.read',
  // Checked in the route by the operation's kind and target (CANCEL_PERMISSIONS): whoever may start it may cancel it.
  'POST /api/v1/operations/:id/actions/cancel': 'authenticated',
  'GET /api/v1/hosts': 'hosts.read',
  'GET /api/v1/hosts/:id': 'hosts.read',
  'PATCH /api/v1/hosts/:id': 'hosts.manage',
  'DELETE /api/v1/hosts/:id': 'hosts.manage',
  'GET /api/v1/join-tokens': 'hosts.join',
  'POST /api/v1/join-tokens': 'hosts.join',
  'DELETE /api/v1/join-tokens/:id': 'hosts.join',
  'GET /api/v1/hosts/:id/interfaces': 'hosts.read',
  'POST /api/v1/hosts/:id/bridge-setup': 'hosts.manage',
  'POST /api/v1/hosts/:id/actions/evacuate': 'hosts.manage',
  'GET /api/v1/hosts/:id/usage-history': 'hosts.read',
  'GET /api/v1/pools': 'pools.read',
  'POST /api/v1/pools': 'pools.manage',
  'GET /api/v1/pools/:id': 'pools.read',
  'PATCH /api/v1/pools/:id': 'pools.manage',
  'PUT /api/v1/pools/:id/network': 'pools.manage',
  'PUT /api/v1/pools/:id/storage-pool': 'pools.manage',
  'DELETE /api/v1/pools/:id': 'pools.manage',
  'GET /api/v1/pools/:id/usage-history': 'pools.read',
  'GET /api/v1/storage-pools': 'pools.read',
  'POST /api/v1/storage-pools': 'pools.manage',
  'GET /api/v1/storage-pools/:id': 'pools.read',
  'PATCH /api/v1/storage-pools/:id': 'pools.manage',
  'DELETE /api/v1/storage-pools/:id': 'pools.manage',
  'GET /api/v1/networks': 'networks.read',
  'POST /api/v1/networks': 'networks.manage',
  'GET /api/v1/networks/:id': 'networks.read',
  'GET /api/v1/networks/:id/leases': 'networks.read',
  'DELETE /api/v1/networks/:id': 'networks.manage',
  'GET /api/v1/address-pools': 'networks.read',
  'POST /api/v1/address-pools': 'networks.manage',
  'GET /api/v1/address-pools/:id': 'networks.read',
  'PATCH /api/v1/address-pools/:id': 'networks.manage',
  'DELETE /api/v1/address-pools/:id': 'networks.manage',
  'GET /api/v1/audit': 'audit.read',
  'GET /api/v1/audit/export': 'audit.read',
  'GET /api/v1/usage/history': 'hosts.read',
  'GET /api/v1/usage/stream': 'hosts.read',
  'GET /api/v1/console/ws': 'instances.console',
  'GET /metrics': 'hosts.read',
};

/**
 * Lists of group-owned rows (and operations on them): any signed-in caller may ask, and the route
 * shows only the rows of the groups where the caller holds the table's permission — an empty
 * list, not a 403, for someone who holds it nowhere.
 */
export const LIST_ROUTES: ReadonlySet<string> = new Set([
  'GET /api/v1/instances',
  'GET /api/v1/instances/export',
  'GET /api/v1/images',
  'GET /api/v1/media',
  'GET /api/v1/operations',
]);

/** What cancelling an operation needs, by kind: the permission of the route that starts it, on its target. Kinds missing here cannot be cancelled by anyone. */
export const CANCEL_PERMISSIONS: Readonly<Record<string, Permission>> = {
  'instance.migrate': 'hosts.manage',
  'host.evacuate': 'hosts.manage',
  'image.import': 'images.manage',
};

/**
 * Throws 403 unless `actor` may cancel `op` (see {@link CANCEL_PERMISSIONS}): on a group-owned
 * target the permission must hold on that row (on a row not stored yet, only its starter may,
 * holding it in any group), elsewhere in any group. Operations that take no
 * cancel pass, so that the service answers them 409.
 */
export function assertMayCancel(s: Services, actor: Actor, op: { kind: string; targetType: string; targetId: string; userId: string | null; cancellable?: boolean }): void {
  if (!op.cancellable) return;
  const perm = CANCEL_PERMISSIONS[op.kind];
  if (perm === undefined) throw new AppError('forbidden', `Operations of kind ${op.kind} have no cancel permission rule, so nobody may cancel them.`);
  const kind = op.targetType;
  // A URL import stores its image row only at its end: while it downloads, its starter holds the permission somewhere.
  if (kind === 'image' && op.userId === actor.userId && !s.images.find(op.targetId)) s.rbac.assertAny(actor, perm);
  else if (kind === 'instance' || kind === 'image' || kind === 'media') s.rbac.assertResource(actor, kind, op.targetId, perm);
  else s.rbac.assertAny(actor, perm);
}

/** The group-owned resource a route path names in its `:id`, and that segment's position. */
export function resourceOf(routePath: string): { kind: 'instance' | 'image' | 'media'; segment: number } | undefined {
  const m = /^\/api\/v1\/(instances|images|media)\/:id(\/|$)/.exec(routePath);
  if (!m) return undefined;
  return { kind: m[1] === 'instances' ? 'instance' : m[1] === 'images' ? 'image' : 'media', segment: 4 };
}

const scopes = new Map(Object.keys(ROUTE_PERMISSIONS).map((key) => [key, resourceOf(key.slice(key.indexOf(' ') + 1))]));

/** The route a request will be answered by: the first matched handler (middleware are method ALL). */
export function matchedRouteKey(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string | undefined {
  const route = matchedRoutes(c).find((r) => r.method !== 'ALL');
  return route && `${route.method} ${route.path}`;
}

/**
 * Enforces {@link ROUTE_PERMISSIONS} after authentication. A route missing from the table is
 * refused (deny by default; a test keeps the table complete); an unmatched path goes on to the 404.
 */
export function requirePermission(s: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = matchedRouteKey(c);
    if (key === undefined) return next();
    const rule = ROUTE_PERMISSIONS[key];
    if (rule === undefined) throw new AppError('forbidden', `The route ${key} has no permission rule, so nobody may call it.`);
    if (rule !== 'authenticated' && !LIST_ROUTES.has(key)) {
      const scope = scopes.get(key);
      if (scope) {
        const raw = c.req.path.split('/')[scope.segment] ?? '';
        let id = raw;
        try {
          id = decodeURIComponent(raw);
        } catch {
          // left as sent: the lookup then finds nothing (404)
        }
        s.rbac.assertResource(c.get('actor'), scope.kind, id, rule);
      } else s.rbac.assertAny(c.get('actor'), rule);
    }
    return next();
  };
}
