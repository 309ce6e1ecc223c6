/** Response helpers shared by the route files. */
import type { Context } from 'hono';
import type { Download } from '../../services/library-files.js';
import type { Operation } from '../../services/operations.js';
import { presentOperation } from '../presenters.js';
import { Readable } from 'node:stream';

/** 202 Accepted with the operation's URL. */
export function accepted(c: Context, operation: Operation, extra: Record<string, unknown> = {}) {
  c.header('Location', `/api/v1/operations/${operation.id}`);
  return c.json({ ...extra, operation: presentOperation(operation) }, 202);
}

/** A file download: streamed, with its size and a safe file name. */
export function sendDownload(file: Download): Response {
  return new Response(Readable.toWeb(file.stream) as ReadableStream, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(file.sizeBytes),
      'content-disposition': `attachment; filename="${file.fileName}"`,
    },
  });
}

/** The request's Content-Length, when it gave a valid one. */
export function declaredLength(c: Context): number | undefined {
  const value = c.req.header('content-length');
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
