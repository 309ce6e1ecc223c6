/** The filters the operation and audit lists share: a time range, a user (id or name), a target. */
import { eq, gte, inArray, lt, or, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { HistoryFilter } from '../shared/lists.js';
import type { Db } from './client.js';
import { users } from './schema.js';

/** The conditions for `filter` on a table's time, user and target columns (`since` inclusive, `until` exclusive). */
export function historyConditions(db: Db, cols: { at: SQLiteColumn; userId: SQLiteColumn; targetId: SQLiteColumn }, filter: Omit<HistoryFilter, 'action'>): SQL[] {
  const where: SQL[] = [];
  // Stored times are ISO strings in UTC with milliseconds: compare in the same form.
  if (filter.since) where.push(gte(cols.at, new Date(filter.since).toISOString()));
  if (filter.until) where.push(lt(cols.at, new Date(filter.until).toISOString()));
  if (filter.user) where.push(inArray(cols.userId, db.select({ id: users.id }).from(users).where(or(eq(users.id, filter.user), eq(users.username, filter.user)))));
  if (filter.target) where.push(eq(cols.targetId, filter.target));
  return where;
}
