/** The audit log: every change, who made it, when and from where. */
import { desc } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog } from '../db/schema.js';
import type { Actor } from './actor.js';

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

  /** The newest entries first. */
  list(limit = 100) {
    return this.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit).all();
  }
}
