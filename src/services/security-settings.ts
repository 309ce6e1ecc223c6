/**
 * Session lifetimes and audit retention, kept in the settings table (key `security`, JSON) and
 * cached in memory: every authenticated request reads them.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { settings } from '../db/schema.js';
import { DEFAULT_SECURITY_SETTINGS, securitySettingsSchema, type SecuritySettings } from '../shared/users.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';

const KEY = 'security';

/** Reads and changes the security settings. */
export class SecuritySettingsService {
  private cached: SecuritySettings | undefined;
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  /** The current settings (defaults for what was never set, or what a stored value gets wrong). */
  get(): SecuritySettings {
    if (this.cached) return this.cached;
    const row = this.db.select().from(settings).where(eq(settings.key, KEY)).get();
    let stored: unknown = {};
    try {
      stored = row ? JSON.parse(row.value) : {};
    } catch {
      stored = {};
    }
    const parsed = securitySettingsSchema.partial().safeParse(stored);
    this.cached = { ...DEFAULT_SECURITY_SETTINGS, ...(parsed.success ? parsed.data : {}) };
    return this.cached;
  }

  /** Changes some settings (validated by the caller's schema); returns them all. */
  update(patch: Partial<SecuritySettings>, actor: Actor): SecuritySettings {
    const next = { ...this.get(), ...patch };
    const value = JSON.stringify(next);
    this.db.insert(settings).values({ key: KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run();
    this.cached = next;
    this.audit.record(actor, 'settings.update', 'settings', KEY, JSON.stringify(patch));
    return next;
  }
}
