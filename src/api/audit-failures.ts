/**
 * Audits refused state-changing requests: services record what they did, this records what
 * was asked and refused (who, method and path, target, status and code, address, request id).
 */
import type { MiddlewareHandler } from 'hono';
import type { AuditService } from '../services/audit.js';
import type { AppEnv } from './env.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** After an authenticated POST/PUT/PATCH/DELETE answered 4xx or 5xx, appends a `request_failed` entry. */
export function auditFailures(audit: AuditService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (SAFE_METHODS.has(c.req.method) || c.res.status < 400 || !c.var.actor) return;
    const [targetType = 'api', targetId = null] = c.req.path.replace(/^\/api\/v1\//, '').split('/');
    let code = '';
    if (c.res.headers.get('content-type')?.startsWith('application/problem+json')) {
      const body = (await c.res.clone().json().catch(() => ({}))) as { code?: unknown };
      if (typeof body.code === 'string') code = body.code;
    }
    audit.record(c.var.actor, 'request_failed', targetType, targetId, `${c.req.method} ${c.req.path} status=${c.res.status} code=${code}`, 'failed');
  };
}
