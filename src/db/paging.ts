/** Keyset paging in SQL: the condition for "rows after the cursor" (see lib/paging.ts). */
import { and, eq, gt, lt, or, type Placeholder, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { CursorKeys } from '../lib/paging.js';

/** The rows strictly after `keys` in the order (sort, id), ascending or descending. */
export function after(sort: SQLiteColumn, id: SQLiteColumn, keys: CursorKeys | [Placeholder, Placeholder], direction: 'asc' | 'desc'): SQL {
  const beyond = direction === 'asc' ? gt : lt;
  return or(beyond(sort, keys[0]), and(eq(sort, keys[0]), beyond(id, keys[1])))!;
}

