/** Streamed exports: a whole list as JSON lines, read a batch at a time (constant memory). */
import { instanceListQuerySchema } from '../../shared/lists.js';

/** Rows read per batch of an export. */
export const EXPORT_BATCH = 500;

/** The export's query: the list filters, no paging. */
export const instanceExportQuerySchema = instanceListQuerySchema.omit({ limit: true, cursor: true });

/**
 * A byte stream of JSON lines pulled one batch at a time: the next batch is read only when the
 * client has taken the previous one, so a slow client never makes the server hold the list.
 */
export function exportPages(next: (cursor: string | undefined) => { lines: string[]; nextCursor: string | null }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (done) return controller.close();
        const batch = next(cursor);
        if (batch.lines.length > 0) controller.enqueue(encoder.encode(batch.lines.join('')));
        if (batch.nextCursor === null) {
          done = true;
          controller.close();
        } else cursor = batch.nextCursor;
      },
    },
    { highWaterMark: 1 },
  );
}
