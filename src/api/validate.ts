/** Request parsing at the edge: JSON bodies and query strings checked against zod schemas. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../lib/errors.js';
import type { ProblemCode } from '../shared/problem-codes.js';
import { checkDocumentedSchema } from './route-doc.js';

/** Stable error codes for particular fields, e.g. `{ password: 'password_too_weak' }`. */
export type FieldCodes = Record<string, ProblemCode>;

function fail(error: z.ZodError, where: string, codes: FieldCodes = {}): never {
  const errors = error.issues.map((i) => ({
    field: i.path.join('.') || where,
    message: i.code === 'unrecognized_keys' ? `Unknown field(s): ${i.keys.join(', ')}.` : i.message,
  }));
  const code = errors.map((e) => codes[e.field]).find((c) => c !== undefined);
  throw new AppError(code ?? 'validation_failed', `The ${where} is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join(' ')}`, errors);
}

/** The MIME essence of a Content-Type (`Text/Plain; x=y` → `text/plain`). */
export const mimeEssence = (type: string | undefined) => (type ?? '').split(';')[0].trim().toLowerCase();

/**
 * Parses the JSON body against the schema or throws a 400 with per-field errors. The type must
 * be exactly `application/json` (parameters aside): a CORS-safelisted type such as
 * `text/plain; x=application/json` would let any web page post here without a preflight.
 */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S, codes?: FieldCodes): Promise<z.infer<S>> {
  checkDocumentedSchema(c, 'body', schema);
  const type = c.req.header('content-type');
  if (mimeEssence(type) !== 'application/json')
    throw new AppError('unsupported_media_type', `Send the request body as JSON with Content-Type: application/json, not '${(type ?? 'none').slice(0, 100)}'.`);
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new AppError('invalid_json', 'The request body is not valid JSON.');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) fail(parsed.error, 'request body', codes);
  return parsed.data;
}

/** Parses the query string against the schema or throws a 400. */
export function queryParams<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  checkDocumentedSchema(c, 'query', schema);
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) fail(parsed.error, 'query string');
  return parsed.data;
}
