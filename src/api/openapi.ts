/**
 * The OpenAPI 3.1 document, generated from the server's own route table: every `/api/v1` route
 * Hono serves, described by the `doc()` middleware in front of its handler (route-doc.ts). The
 * request schemas are the zod schemas the handlers validate with, the response schemas those of
 * shared/responses.ts, and every route may answer a problem whose code is one of the catalogue.
 */
import type { RouterRoute } from 'hono/types';
import { z } from 'zod';
import { PROBLEM_CODES } from '../shared/problem-codes.js';
import { problemSchema } from '../shared/responses.js';
import { docOf, type ResponseDoc, type RouteDoc } from './route-doc.js';

/** The prefix of the versioned API (the document's server URL). */
export const API_BASE = '/api/v1';

/** A JSON Schema object (as the document holds it). */
export type JsonSchema = Record<string, unknown>;

/** One operation of the document. */
export interface OpenApiOperation {
  summary: string;
  description?: string;
  operationId: string;
  tags: string[];
  security?: unknown[];
  parameters?: { name: string; in: 'path' | 'query'; required: boolean; description?: string; schema: JsonSchema }[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

/** The document. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, OpenApiOperation>>;
}

/** Tags by the first path segment, in the order the reference page shows them. */
const TAGS: { name: string; description: string; segments: string[] }[] = [
  { name: 'Session', description: 'First-run setup, login, logout and API tokens.', segments: ['setup', 'sessions', 'session', 'tokens'] },
  { name: 'Instances', description: 'Virtual machines: lifecycle, disks, NICs, snapshots, consoles, guest agent.', segments: ['instances', 'console'] },
  { name: 'Images', description: 'Disk images (templates) and ISO media.', segments: ['images', 'media'] },
  { name: 'Hosts and pools', description: 'Hypervisor hosts, compute pools and storage pools.', segments: ['hosts', 'pools', 'storage-pools'] },
  { name: 'Networks', description: 'Networks and address pools.', segments: ['networks', 'address-pools'] },
  { name: 'Operations and audit', description: 'Long-running operations and the audit log.', segments: ['operations', 'audit'] },
  { name: 'Usage', description: 'Usage history and the live usage stream.', segments: ['usage'] },
  { name: 'Service', description: 'Health and this document.', segments: ['health', 'openapi.json'] },
];

function tagOf(path: string): string {
  const segment = path.split('/')[1];
  if (path.endsWith('/usage-history')) return 'Usage';
  return TAGS.find((t) => t.segments.includes(segment))?.name ?? 'Other';
}

/** A zod schema as JSON Schema 2020-12 (the dialect of OpenAPI 3.1), without its `$schema` line. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

function responseOf(status: number, r: ResponseDoc): OpenApiOperation['responses'][string] {
  const description = status === 204 ? 'No content' : status === 202 ? 'Accepted: follow the operation (its URL is in Location)' : status === 201 ? 'Created' : 'Success';
  if (r === null) return { description };
  if (r instanceof z.ZodType) return { description, content: { 'application/json': { schema: jsonSchemaOf(r, 'output') } } };
  return { description: r.description, content: { [r.mediaType]: { schema: r.mediaType === 'application/octet-stream' ? { type: 'string', format: 'binary' } : { type: 'string' } } } };
}

function parametersOf(path: string, d: RouteDoc): OpenApiOperation['parameters'] {
  const params: NonNullable<OpenApiOperation['parameters']> = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name, in: 'path' as const, required: true, schema: d.params?.[name] ? jsonSchemaOf(d.params[name], 'input') : { type: 'string' },
  }));
  if (d.query) {
    const q = jsonSchemaOf(d.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema as JsonSchema & { description?: string };
      params.push({ name, in: 'query', required: q.required?.includes(name) ?? false, ...(description ? { description: String(description) } : {}), schema: rest });
    }
  }
  return params.length ? params : undefined;
}

function operationOf(method: string, path: string, d: RouteDoc): OpenApiOperation {
  const content: Record<string, { schema: JsonSchema }> = {};
  if (d.body) content['application/json'] = { schema: jsonSchemaOf(d.body, 'input') };
  if (d.upload) content[d.upload] = { schema: { type: 'string', format: 'binary' } };
  const responses: OpenApiOperation['responses'] = {};
  for (const [status, r] of Object.entries(d.responses)) responses[status] = responseOf(Number(status), r);
  responses.default = { description: 'A problem (RFC 9457): its code says which; the Problem schema lists every code', content: { 'application/problem+json': { schema: PROBLEM_REF } } };
  const parameters = parametersOf(path, d);
  return {
    summary: d.summary,
    ...(d.description ? { description: d.description } : {}),
    operationId: `${method}${path.replace(/\{(\w+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
    tags: [tagOf(path)],
    ...(d.public ? { security: [] } : {}),
    ...(parameters ? { parameters } : {}),
    ...(Object.keys(content).length ? { requestBody: { required: true, content } } : {}),
    responses,
  };
}

/** The `/api/v1` routes of a route table: method, OpenAPI path and the doc in front of the handler (undefined when missing). */
export function apiRoutes(routes: readonly RouterRoute[]): { method: string; path: string; doc: RouteDoc | undefined }[] {
  const byKey = new Map<string, { method: string; path: string; doc: RouteDoc | undefined }>();
  for (const r of routes) {
    if (r.method === 'ALL' || !r.path.startsWith(`${API_BASE}/`)) continue;
    const path = r.path.slice(API_BASE.length).replace(/:(\w+)/g, '{$1}');
    const key = `${r.method} ${path}`;
    const entry = byKey.get(key) ?? { method: r.method.toLowerCase(), path, doc: undefined };
    entry.doc ??= docOf(r.handler);
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

/** The whole document for the routes an app serves (`app.routes`). */
export function openApiDocument(routes: readonly RouterRoute[], version: string): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const { method, path, doc } of apiRoutes(routes)) {
    if (!doc) continue; // openapi.test.ts fails on a route without doc()
    (paths[path] ??= {})[method] = operationOf(method, path, doc);
  }
  const problem = jsonSchemaOf(problemSchema, 'output');
  return {
    openapi: '3.1.0',
    info: {
      title: 'onebox API',
      version,
      description: `Every error is application/problem+json with a stable code (${Object.keys(PROBLEM_CODES).length} codes, each with its HTTP status in the Problem schema's description). Lists answer {items, nextCursor}: pass nextCursor back as ?cursor= for the next page.`,
    },
    servers: [{ url: API_BASE }],
    tags: TAGS.map(({ name, description }) => ({ name, description })),
    components: {
      schemas: { Problem: { ...problem, description: `Problem codes and their statuses: ${Object.entries(PROBLEM_CODES).map(([code, status]) => `${code} (${status})`).join(', ')}.` } },
      securitySchemes: { token: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'onebox_session' } },
    },
    security: [{ token: [] }, { session: [] }],
    paths,
  };
}
