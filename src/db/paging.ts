/** Keyset paging in SQL: the condition for "rows after the cursor" (see lib/paging.ts). */
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { CursorKeys } from '../lib/paging.js';

/** The rows strictly after `keys` in the order (sort, id), ascending or descending. */
export function after(sort: SQLiteColumn, id: SQLiteColumn, keys: CursorKeys | [Placeholder, Placeholder], direction: 'asc' | 'desc'): SQL {
  // A row value comparison: SQLite walks an index on (sort, id) from the cursor on.
  return direction === 'asc' ? sql`(${sort}, ${id}) > (${keys[0]}, ${keys[1]})` : sql`(${sort}, ${id}) < (${keys[0]}, ${keys[1]})`;
}
