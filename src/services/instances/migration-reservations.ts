/**
 * What a migration holds on its target host while it runs. The instance's claim counts on its
 * source until the move is recorded; without a hold on the target, a create placed there
 * meanwhile could take the room it was checked for (and a live migration cannot be refused any
 * more once the guest runs there). A reservation row (migration_reservations) is written in the
 * transaction that checks the target; triggers add it to the target's host_claims, so the
 * scheduler (and its in-memory copy, through the placement clock) counts it like an instance
 * placed there. It goes in the transaction that records the move (the instance's own claim takes
 * over), when the migration fails or is cancelled, and at start-up (no migration outlives the
 * process that ran it).
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { instances, migrationReservations } from '../../db/schema.js';
import type { Instance } from './store.js';

/** What an instance claims on the host it lives on (as the host_claims triggers count it): reserved on a migration's target. */
export function claimOf(row: Pick<Instance, 'cores' | 'memoryMiB' | 'diskSizeBytes' | 'dataDisks'>): { cores: number; memoryMiB: number; diskBytes: number } {
  return { cores: row.cores, memoryMiB: row.memoryMiB, diskBytes: row.diskSizeBytes + row.dataDisks.reduce((n, d) => n + d.sizeBytes, 0) };
}

/** Reservations of migrations on their target hosts. */
export class MigrationReservations {
  constructor(private readonly db: Db) {}

  /** Holds the instance's claim on `hostId`; call it inside the transaction that checked the host. */
  reserve(row: Instance, hostId: string): void {
    // One per instance: whatever an earlier migration of it failed to release goes first (no primary-key clash, no 500).
    this.db.delete(migrationReservations).where(eq(migrationReservations.instanceId, row.id)).run();
    this.db.insert(migrationReservations).values({ instanceId: row.id, hostId, ...claimOf(row) }).run();
  }

  /** Records the instance on its target and drops the reservation in one transaction: the target's claim does not move. */
  recordMove(instanceId: string, hostId: string): void {
    this.db.transaction((tx) => {
      tx.delete(migrationReservations).where(eq(migrationReservations.instanceId, instanceId)).run();
      tx.update(instances).set({ hostId, updatedAt: new Date().toISOString() }).where(eq(instances.id, instanceId)).run();
    });
  }

  /** Drops the instance's reservation (the migration ended without moving it); true when there was one. */
  release(instanceId: string): boolean {
    return this.db.delete(migrationReservations).where(eq(migrationReservations.instanceId, instanceId)).run().changes > 0;
  }

  /** Drops every reservation: at start-up, what migrations cut off by the last shutdown left. Returns how many. */
  releaseAll(): number {
    return this.db.delete(migrationReservations).run().changes;
  }
}
