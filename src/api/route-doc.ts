/**
 * What the OpenAPI document says about a route, written next to the route itself:
 * `.post('/', doc({ summary, body: createPoolSchema, responses: { 201: poolSchema } }), handler)`.
 *
 * Why a pass-through middleware: Hono keeps every handler of a route in `app.routes` (mounted
 * sub-apps included), so the generator walks the server's own route table and finds each
 * route's description on the handler before it; there is no second list of paths to keep.
 * The request schemas named here are checked against the ones the handler really validates
 * with: `jsonBody` and `queryParams` look up the route's doc and report a different schema
 * (an error under the test harness, a warning in production), so the two cannot drift.
 *
 * A new route: put `doc({...})` in front of its handler, with the schemas it validates with and
 * a response schema from shared/responses.ts; openapi.test.ts fails on a route without one, and
 * the API tests fail on a response the document does not allow.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import type { z } from 'zod';
import { log } from '../lib/log.js';

/** A response without JSON: a download, a text stream, server-sent events or JSON lines. */
export interface RawResponse {
  mediaType: string;
  description: string;
}

/** One documented response: a JSON schema, a raw body, or null for no body (204). */
export type ResponseDoc = z.ZodType | RawResponse | null;

/** A route's documentation. */
export interface RouteDoc {
  /** One line: what it does. */
  summary: string;
  /** More: states it needs, the codes it answers with, defaults. */
  description?: string;
  /** The JSON body, exactly the schema the handler gives `jsonBody`. */
  body?: z.ZodType;
  /** The query string, exactly the schema the handler gives `queryParams`. */
  query?: z.ZodType;
  /** A raw request body (uploads), by media type. */
  upload?: string;
  /** Schemas of path parameters that are not free strings (e.g. an action's name). */
  params?: Record<string, z.ZodType>;
  /** Reached without logging in. */
  public?: true;
  /** The success answers by status. Problems (application/problem+json) are documented for every route. */
  responses: Record<number, ResponseDoc>;
}

const DOC = Symbol('route-doc');
type Documented = MiddlewareHandler & { [DOC]?: RouteDoc };

/** The middleware that carries a route's documentation; it only calls the next handler. */
export function doc(d: RouteDoc): MiddlewareHandler {
  const handler: Documented = (_c, next) => next();
  handler[DOC] = d;
  return handler;
}

/** The documentation a route-table handler carries, if it is a {@link doc} middleware. */
export function docOf(handler: unknown): RouteDoc | undefined {
  return (handler as Documented | undefined)?.[DOC];
}

/** The documentation of the route now running: the nearest doc middleware before the current handler. */
export function currentDoc(c: Context): RouteDoc | undefined {
  const routes = matchedRoutes(c);
  for (let i = Math.min(c.req.routeIndex, routes.length - 1); i >= 0; i--) {
    const d = docOf(routes[i].handler);
    if (d) return d;
  }
  return undefined;
}

let strict = false;
const warned = new Set<string>();

/** Makes a schema that differs from the documented one an error (the test harness turns this on). */
export function enforceDocumentedSchemas(on = true): void {
  strict = on;
}

/** Reports a handler validating with another schema than its route documents (`what`: body or query). */
export function checkDocumentedSchema(c: Context, what: 'body' | 'query', schema: z.ZodType): void {
  const d = currentDoc(c);
  if (!d || d[what] === schema) return;
  const message = `${c.req.method} ${routePath(c)} validates its ${what} with another schema than its doc() names`;
  if (strict) throw new Error(message);
  if (!warned.has(message)) {
    warned.add(message);
    log.warn(message);
  }
}
