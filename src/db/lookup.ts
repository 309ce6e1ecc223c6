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
  // An id match wins anyway, so try the primary key alone first: one index probe, no sort
  // (about a fifth of the id-or-name query's cost, and ids are what API clients send).
  const byId = lookupStatements(db, table).byId.get({ key }) as T['$inferSelect'] | undefined;
  if (byId) return byId;
  const rows = lookupStatements(db, table).byIdOrName.all({ key }) as (T['$inferSelect'] & { id: string })[];
  if (rows.length > 1 && rows[0].id !== key)
    throw new AppError('ambiguous_name', `Several ${kind.replace(/_/g, ' ')}s are named '${key}'; use the id instead.`);
  return rows[0];
}

type LookupStatements = { byId: { get(values: { key: string }): unknown }; byIdOrName: { all(values: { key: string }): unknown[] } };

/**
 * The lookups of `table` prepared once per database handle: preparing costs more than running
 * it, and every request resolves one or more keys (measured in bench/ip-allocation.ts).
 */
const lookups = new WeakMap<Db, Map<SQLiteTable, LookupStatements>>();

function lookupStatements(db: Db, table: Named): LookupStatements {
  let byTable = lookups.get(db);
  if (!byTable) lookups.set(db, (byTable = new Map()));
  let statements = byTable.get(table);
  if (!statements) {
    const key = sql.placeholder('key');
    const match = byIdOrName(table, key);
    statements = {
      byId: db.select().from(table as SQLiteTable).where(eq(table.id, key)).prepare(),
      byIdOrName: db.select().from(table as SQLiteTable).where(match.where).orderBy(...match.order).limit(2).prepare(),
    };
    byTable.set(table, statements);
  }
  return statements;
}

/** Like findByIdOrName, but throws `<kind>_not_found`. */
export function getByIdOrName<T extends Named>(db: Db, table: T, kind: NotFoundKind, key: string): T['$inferSelect'] {
  const row = findByIdOrName(db, table, kind, key);
  if (!row) throw notFound(kind, key);
  return row;
}
