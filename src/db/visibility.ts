/** The SQL condition "a caller may see this group-owned row" (see RbacService.scope). */
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';

/** JSON arrays of group ids and the caller's id: values, or placeholders of a prepared statement. */
export interface ScopeParams {
  groupIds: string | Placeholder;
  ownGroupIds: string | Placeholder;
  userId: string | Placeholder;
}

/** Rows of the listed groups, and in `own` groups only those the caller created. */
export function visibleRow(groupId: SQLiteColumn, createdBy: SQLiteColumn, scope: ScopeParams): SQL {
  return sql`(${groupId} in (select value from json_each(${scope.groupIds})) or (${groupId} in (select value from json_each(${scope.ownGroupIds})) and ${createdBy} = ${scope.userId}))`;
}
