/** Response helpers shared by the route files. */
import type { Context } from 'hono';
import type { Download } from '../../services/library-files.js';
import type { Operation } from '../../services/operations.js';
import { presentOperation } from '../presenters.js';
import { Readable } from 'node:stream';
import { problem, sendProblem } from '../problem.js';
import type { AppEnv } from '../env.js';

/**
 * An upload's request body. Under the Node server it is the raw `IncomingMessage`: read as a
 * Node stream it moves whole TLS records with no web-stream conversion per chunk (about twice
 * the throughput); in-process requests (tests) give the web body.
 */
export function uploadBody(c: Context<AppEnv>): Readable | ReadableStream<Uint8Array> | null {
  return c.env?.incoming ?? c.req.raw.body;
}

/** 202 Accepted with the operation's URL. */
export function accepted(c: Context, operation: Operation, extra: Record<string, unknown> = {}) {
  c.header('Location', `/api/v1/operations/${operation.id}`);
  return c.json({ ...extra, operation: presentOperation(operation) }, 202);
}

/** The documented answers of a route that answers with {@link sendDownload}. */
export const downloadResponses = (what: string) => ({
  200: { mediaType: 'application/octet-stream', description: `The ${what} (ETag is its SHA-256)` },
  206: { mediaType: 'application/octet-stream', description: 'The one byte range asked for (Content-Range says which)' },
});

/**
 * A file download: streamed, with its size, a safe file name, `Accept-Ranges: bytes` and its
 * SHA-256 as ETag. One byte range (`bytes=a-b`, `a-`, `-n`) answers 206 with Content-Range;
 * an unsatisfiable or malformed range 416; several ranges are served whole (200), as RFC 9110 allows.
 */
export async function sendDownload(c: Context, file: Download): Promise<Response> {
  const rangeHeader = c.req.header('range');
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'content-disposition': `attachment; filename="${file.fileName}"`,
    'accept-ranges': 'bytes',
    etag: `"${file.sha256}"`,
  };
  const range = rangeHeader === undefined ? undefined : parseRange(rangeHeader, file.sizeBytes);
  if (range === 'unsatisfiable') {
    const res = sendProblem(c, problem(416, 'range_not_satisfiable', `The range '${rangeHeader}' is not within the file's ${file.sizeBytes} bytes (one range: bytes=start-end).`));
    res.headers.set('content-range', `bytes */${file.sizeBytes}`);
    return res;
  }
  if (range === undefined || file.sizeBytes === 0) {
    const body = file.sizeBytes === 0 ? null : (Readable.toWeb(await file.open()) as ReadableStream);
    return new Response(body, { headers: { ...headers, 'content-length': String(file.sizeBytes) } });
  }
  const stream = Readable.toWeb(await file.open(range)) as ReadableStream;
  return new Response(stream, {
    status: 206,
    headers: { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${file.sizeBytes}` },
  });
}

/** One byte range of a `size`-byte file; undefined for a header to ignore (several ranges, another unit). */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return /^\s*bytes\s*=.*,/i.test(header) || !/^\s*bytes\s*=/i.test(header) ? undefined : 'unsatisfiable';
  const [, a, b] = m;
  if (a === '' && b === '') return 'unsatisfiable';
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || (b !== '' && Number(b) < start)) return 'unsatisfiable';
  return { start, end };
}

/** The request's Content-Length, when it gave a valid one. */
export function declaredLength(c: Context): number | undefined {
  const value = c.req.header('content-length');
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
