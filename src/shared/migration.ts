/** Migrating an instance and evacuating a host: the request bodies. */
import * as z from 'zod';

/** POST /instances/:id/actions/migrate: the target host (id or name) of the instance's pool; `live` moves a running instance without stopping it. */
export const migrateInstanceSchema = z.object({ hostId: z.string().min(1).max(200), live: z.boolean().optional() }).strict();
export type MigrateInstanceInput = z.infer<typeof migrateInstanceSchema>;

/** POST /hosts/:id/actions/evacuate: one target host for everything, or none (the scheduler picks per instance). */
export const evacuateHostSchema = z.object({ hostId: z.string().min(1).max(200).optional() }).strict();
export type EvacuateHostInput = z.infer<typeof evacuateHostSchema>;

/** GET /instances/:id/migration-targets: one host of the instance's pool, whether it may take the instance now, and the scheduler's reasons when not. */
export interface MigrationTarget {
  hostId: string;
  name: string;
  fits: boolean;
  reasons: string[];
}
