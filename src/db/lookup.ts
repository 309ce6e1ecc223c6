/** Lookups by "id or name", the way every API path parameter is resolved. */
import { eq, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';

/**
 * The filter and ordering for finding a row by id or by name: an id match always wins, so a
 * name can never shadow another row's id; among name matches the oldest comes first.
 */
export function byIdOrName(table: { id: SQLiteColumn; name: SQLiteColumn; createdAt: SQLiteColumn }, key: string): { where: SQL; order: (SQL | SQLiteColumn)[] } {
  return { where: or(eq(table.id, key), eq(table.name, key))!, order: [sql`${table.id} = ${key} desc`, table.createdAt] };
}
