/**
 * Errors become RFC 9457 problem+json here and nowhere else. AppErrors keep their status,
 * code and sentence; anything unexpected is logged with the request id and answered with a
 * generic 500 that leaks nothing.
 */
import type { Context } from 'hono';
import { AppError, NoHostFitsError, RateLimitedError, type HostRefusal } from '../lib/errors.js';
import { log } from '../lib/log.js';

/** The JSON body of an error response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: { field: string; message: string }[];
  /** no_host_available: why each host was refused. */
  hosts?: HostRefusal[];
}

export const titles: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 410: 'Gone', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 421: 'Misdirected Request', 426: 'Upgrade Required', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 507: 'Insufficient Storage',
};

/** Builds a problem object. */
export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: `https://onebox.dev/problems/${code}`, title: titles[status] ?? 'Error', status, detail, code, ...extra };
}

/** Sends a problem as the response. */
export function sendProblem(c: Context, p: Problem): Response {
  const requestId = c.get('requestId' as never) as string | undefined;
  // The code also travels as a header: a refused websocket upgrade reaches the client without its body.
  return new Response(JSON.stringify({ ...p, requestId }), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json', 'x-problem-code': p.code },
  });
}

/** Hono onError handler. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof AppError) {
    const res = sendProblem(c, problem(err.status, err.code, err.message, { ...(err.errors ? { errors: err.errors } : {}), ...(err instanceof NoHostFitsError ? { hosts: err.hosts } : {}) }));
    if (err instanceof RateLimitedError) res.headers.set('retry-after', String(err.retryAfterSeconds));
    return res;
  }
  const requestId = c.get('requestId' as never) as string | undefined;
  log.error('unhandled error', { requestId, method: c.req.method, path: c.req.path, error: err.stack ?? String(err) });
  return sendProblem(c, problem(500, 'internal_error', `Something went wrong on the server; the log has the details under request id ${requestId}.`));
}
