/** Facts about this installation kept in the database, such as the id that marks the domains it owns. */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { settings } from '../db/schema.js';
import { newId } from '../lib/ids.js';

/** Installation-wide settings. */
export class SettingsService {
  constructor(private readonly db: Db) {}

  /** This installation's id (made at the first start): written into every domain's metadata. */
  installationId(): string {
    const existing = this.db.select().from(settings).where(eq(settings.key, 'installation_id')).get();
    if (existing) return existing.value;
    const id = newId('obx');
    this.db.insert(settings).values({ key: 'installation_id', value: id }).onConflictDoNothing().run();
    return this.db.select().from(settings).where(eq(settings.key, 'installation_id')).get()?.value ?? id;
  }
}
