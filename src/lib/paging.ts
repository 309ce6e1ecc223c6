/**
 * Keyset paging: a page is the rows after a cursor in a fixed, total order (a sort column then
 * the id), so pages stay stable while rows are added or removed, and a page costs the same at
 * row 10 and at row 10,000. The cursor is opaque to clients: base64url of the last row's keys.
 */
import { AppError } from './errors.js';

/** The keys of the last row of a page: the sort value and the id. */
export type CursorKeys = [string | number, string | number];

/** One page of rows and the cursor of the next page (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The cursor after a row with these keys. */
export function encodeCursor(keys: CursorKeys): string {
  return Buffer.from(JSON.stringify(keys)).toString('base64url');
}

/** The keys a cursor carries; 400 `validation_failed` on the field `cursor` when it is not one of ours. */
export function decodeCursor(cursor: string): CursorKeys {
  let keys: unknown;
  try {
    keys = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    keys = undefined;
  }
  const key = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  if (!Array.isArray(keys) || keys.length !== 2 || !key(keys[0]) || !key(keys[1])) {
    const message = `'${cursor.slice(0, 60)}' is not a cursor from this list; pass nextCursor from the previous page.`;
    throw new AppError('validation_failed', `The query string is invalid: cursor: ${message}`, [{ field: 'cursor', message }]);
  }
  return keys as CursorKeys;
}

/** The page from `limit + 1` fetched rows: the extra row only says there is a next page. */
export function toPage<T>(rows: T[], limit: number, keysOf: (row: T) => CursorKeys): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(keysOf(items[items.length - 1])) };
}

/** Compares key tuples the way SQLite's BINARY collation orders the same values. */
function compareKeys(a: CursorKeys, b: CursorKeys): number {
  for (let i = 0; i < 2; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/**
 * A page of an in-memory list (the small tables: hosts, pools, images, networks…), ordered
 * by `keysOf` ascending, with the same cursors as the SQL lists.
 */
export function pageInMemory<T>(rows: T[], keysOf: (row: T) => CursorKeys, query: { limit: number; cursor?: string }): Page<T> {
  const from = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const sorted = rows.map((row) => ({ row, keys: keysOf(row) })).sort((a, b) => compareKeys(a.keys, b.keys));
  const rest = from ? sorted.filter((r) => compareKeys(r.keys, from) > 0) : sorted;
  return mapPage(toPage(rest.slice(0, query.limit + 1), query.limit, (r) => r.keys), (r) => r.row);
}

/** The same page with each item mapped. */
export function mapPage<T, U>(page: Page<T>, map: (item: T) => U): Page<U> {
  return { items: page.items.map(map), nextCursor: page.nextCursor };
}

/** The keys of a named row for {@link pageInMemory}: name order, then id. */
export const byName = (row: { name: string; id: string }): CursorKeys => [row.name, row.id];
