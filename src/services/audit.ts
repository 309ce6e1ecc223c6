/** The audit log: every change, who made it, when and from where. */
import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { historyConditions } from '../db/history-filter.js';
import { after } from '../db/paging.js';
import { decodeCursor, toPage, type Page } from '../lib/paging.js';
import { auditLog } from '../db/schema.js';
import { DEFAULT_PAGE_LIMIT, type HistoryFilter, type PageQuery } from '../shared/lists.js';

/** One audit entry. */
export type AuditEntry = typeof auditLog.$inferSelect;
import type { Actor } from './actor.js';

/** How long audit entries are kept: a year of who did what. */
export const AUDIT_KEEP_MS = 365 * 24 * 3600_000;

/** What an audit search narrows to; every field is optional. */
export interface AuditFilter {
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
  /** The user name, exactly. */
  user?: string;
  /** A target id, or a target type (instance, host, pool, …). */
  target?: string;
  /** The start of the action name (`instance.` finds every instance action). */
  action?: string;
}

/** Records and lists audit entries. */
export class AuditService {
  constructor(private readonly db: Db) {}

  /** How long entries are kept (ms); set from the security settings when the services are built. */
  keepMs: () => number = () => AUDIT_KEEP_MS;

  /** Appends one entry; `actor` may be partial (a failed login knows only the address). */
  record(actor: Partial<Actor> | undefined, action: string, targetType: string, targetId: string | null, detail = '', result: 'ok' | 'failed' = 'ok'): void {
    this.db
      .insert(auditLog)
      .values({
        userId: actor?.userId ?? null,
        username: actor?.username ?? null,
        sourceIp: actor?.ip ?? null,
        requestId: actor?.requestId ?? null,
        action,
        targetType,
        targetId,
        detail,
        result,
      })
      .run();
  }

  /** Deletes entries older than `keepMs` (default: the retention setting); returns how many. */
  prune(keepMs = this.keepMs()): number {
    return this.db.delete(auditLog).where(lt(auditLog.at, new Date(Date.now() - keepMs).toISOString())).run().changes;
  }

  /**
   * Every entry matching the filter, newest first, a page at a time (no statement stays open
   * between pages, so writes go on while a long export streams).
   */
  async *all(filter: HistoryFilter = {}, pageSize = 500): AsyncGenerator<AuditEntry> {
    let cursor: string | undefined;
    do {
      const page = this.list(filter, { limit: pageSize, cursor });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** One page of entries, newest first, filtered by time, user (id or name), target (id or type) and action (exact, or a family ending in a dot). */
  list(filter: HistoryFilter = {}, page: PageQuery = { limit: DEFAULT_PAGE_LIMIT }): Page<AuditEntry> {
    const { user, target, action, ...times } = filter;
    const where = historyConditions(this.db, { at: auditLog.at, userId: auditLog.userId, targetId: auditLog.targetId }, times);
    // The log keeps the username as it was (a deleted user's entries still match it); a target is an id or a type.
    if (user) where.push(or(eq(auditLog.userId, user), eq(auditLog.username, user))!);
    if (target) where.push(or(eq(auditLog.targetId, target), eq(auditLog.targetType, target))!);
    // An action ending in a dot is a family (instance.create, instance.delete, …); otherwise exact.
    if (action) where.push(action.endsWith('.') ? sql`substr(${auditLog.action}, 1, ${action.length}) = ${action}` : eq(auditLog.action, action));
    if (page.cursor) where.push(after(auditLog.id, auditLog.id, decodeCursor(page.cursor), 'desc'));
    const rows = this.db.select().from(auditLog).where(and(...where)).orderBy(desc(auditLog.id)).limit(page.limit + 1).all();
    return toPage(rows, page.limit, (row) => [row.id, row.id]);
  }
}
