/** Queries on the instances table shared by the instance services. */
import { eq, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { instances } from '../db/schema.js';
import { NotFoundError } from '../lib/errors.js';
import type { InstanceState } from './instance-state.js';

/** An instance row. */
export type Instance = typeof instances.$inferSelect;

/** Instance row lookups and state updates. */
export class InstanceStore {
  constructor(readonly db: Db) {}

  /** By id or name (names are unique per pool; the first match wins); throws instance_not_found. */
  get(idOrName: string): Instance {
    const row = this.find(idOrName);
    if (!row) throw new NotFoundError('instance', idOrName);
    return row;
  }

  find(idOrName: string): Instance | undefined {
    return this.db.select().from(instances).where(or(eq(instances.id, idOrName), eq(instances.name, idOrName))).get();
  }

  findByDomain(domainName: string): Instance | undefined {
    return this.db.select().from(instances).where(eq(instances.domainName, domainName)).get();
  }

  list(): Instance[] {
    return this.db.select().from(instances).orderBy(instances.name).all();
  }

  /** Updates columns and bumps updatedAt; returns the new row. */
  update(id: string, values: Partial<Instance>): Instance {
    return this.db.update(instances).set({ ...values, updatedAt: new Date().toISOString() }).where(eq(instances.id, id)).returning().get();
  }

  setState(id: string, state: InstanceState, reason = ''): Instance {
    return this.update(id, { state, stateReason: reason });
  }
}
