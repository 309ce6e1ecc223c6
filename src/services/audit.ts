/** The audit log: every change, who made it, when and from where. */
import { desc, lt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog } from '../db/schema.js';
import type { Actor } from './actor.js';

/** How long audit entries are kept: a year of who did what. */
export const AUDIT_KEEP_MS = 365 * 24 * 3600_000;

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

  /** The newest entries first. */
  list(limit = 100) {
    return this.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit).all();
  }
}
