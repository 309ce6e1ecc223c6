/** Lookups by "id or name", the way every API path parameter is resolved. */
import { eq, or, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { AppError, notFound, type NotFoundKind } from '../lib/errors.js';
import type { Db } from './client.js';

type Named = SQLiteTable & { id: SQLiteColumn; name: SQLiteColumn; createdAt: SQLiteColumn };

/**
 * The filter and ordering for finding a row by id or by name: an id match always wins, so a
 * name can never shadow another row's id; among name matches the oldest comes first.
 */
export function byIdOrName(table: { id: SQLiteColumn; name: SQLiteColumn; createdAt: SQLiteColumn }, key: string | Placeholder): { where: SQL; order: (SQL | SQLiteColumn)[] } {
  return { where: or(eq(table.id, key), eq(table.name, key))!, order: [sql`${table.id} = ${key} desc`, table.createdAt] };
}

/**
 * The row whose id is `key`, else the one row named `key`; undefined when none. A name shared
 * by several rows (instances in different pools) is refused with 409 `ambiguous_name`: the
 * caller must use the id, so two requests can never resolve the same name differently.
 */
export function findByIdOrName<T extends Named>(db: Db, table: T, kind: NotFoundKind, key: string): T['$inferSelect'] | undefined {
  const rows = lookupStatement(db, table).all({ key }) as (T['$inferSelect'] & { id: string })[];
  if (rows.length > 1 && rows[0].id !== key)
    throw new AppError('ambiguous_name', `Several ${kind.replace(/_/g, ' ')}s are named '${key}'; use the id instead.`);
  return rows[0];
}

type LookupStatement = { all(values: { key: string }): unknown[] };

/**
 * The lookup of `table` prepared once per database handle: preparing costs more than running
 * it, and every request resolves one or more keys (measured in bench/ip-allocation.ts).
 */
const lookups = new WeakMap<Db, Map<SQLiteTable, LookupStatement>>();

function lookupStatement(db: Db, table: Named): LookupStatement {
  let byTable = lookups.get(db);
  if (!byTable) lookups.set(db, (byTable = new Map()));
  let statement = byTable.get(table);
  if (!statement) {
    const match = byIdOrName(table, sql.placeholder('key'));
    statement = db.select().from(table as SQLiteTable).where(match.where).orderBy(...match.order).limit(2).prepare();
    byTable.set(table, statement);
  }
  return statement;
}

/** Like findByIdOrName, but throws `<kind>_not_found`. */
export function getByIdOrName<T extends Named>(db: Db, table: T, kind: NotFoundKind, key: string): T['$inferSelect'] {
  const row = findByIdOrName(db, table, kind, key);
  if (!row) throw notFound(kind, key);
  return row;
}
