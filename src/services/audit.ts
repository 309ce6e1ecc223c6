/** The audit log: every change, who made it, when and from where. */
import { and, desc, eq, gte, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog } from '../db/schema.js';
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

  /** Appends one entry. */
  record(actor: Actor | undefined, action: string, targetType: string, targetId: string | null, detail = ''): void {
    this.db
      .insert(auditLog)
      .values({
        userId: actor?.userId ?? null,
        username: actor?.username ?? null,
        sourceIp: actor?.ip ?? null,
        action,
        targetType,
        targetId,
        detail,
      })
      .run();
  }

  /** Deletes entries older than `keepMs`; returns how many. */
  prune(keepMs = AUDIT_KEEP_MS): number {
    return this.db.delete(auditLog).where(lt(auditLog.at, new Date(Date.now() - keepMs).toISOString())).run().changes;
  }

  /** The newest entries first, optionally filtered (time range, user name, target id or type, action prefix). */
  list(limit = 100, filter: AuditFilter = {}) {
    const iso = (v: string) => new Date(v).toISOString(); // stored with milliseconds: compare like with like
    const where = and(
      filter.from ? gte(auditLog.at, iso(filter.from)) : undefined,
      filter.to ? lte(auditLog.at, iso(filter.to)) : undefined,
      filter.user ? eq(auditLog.username, filter.user) : undefined,
      filter.target ? or(eq(auditLog.targetId, filter.target), eq(auditLog.targetType, filter.target)) : undefined,
      filter.action ? sql`substr(${auditLog.action}, 1, ${filter.action.length}) = ${filter.action}` : undefined,
    );
    return this.db.select().from(auditLog).where(where).orderBy(desc(auditLog.id)).limit(limit).all();
  }
}
