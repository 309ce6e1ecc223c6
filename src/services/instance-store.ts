/** Queries on the instances table shared by the instance services. */
import { and, eq, notInArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { byIdOrName } from '../db/lookup.js';
import { instances } from '../db/schema.js';
import { NotFoundError } from '../lib/errors.js';
import { KeyedMutex } from '../lib/keyed-mutex.js';
import type { InstanceState } from './instance-state.js';

/** An instance row. */
export type Instance = typeof instances.$inferSelect;

/** Instance row lookups and state updates. */
export class InstanceStore {
  private readonly locks = new KeyedMutex();

  constructor(readonly db: Db) {}

  /** Runs `work` while holding the instance's lock: hypervisor-side changes to one instance never interleave. */
  withLock<T>(id: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(id, work);
  }

  /** By id or name (names are unique per pool; the first match wins); throws instance_not_found. */
  get(idOrName: string): Instance {
    const row = this.find(idOrName);
    if (!row) throw new NotFoundError('instance', idOrName);
    return row;
  }

  find(idOrName: string): Instance | undefined {
    const match = byIdOrName(instances, idOrName);
    return this.db.select().from(instances).where(match.where).orderBy(...match.order).get();
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

  /** Sets the state unless the instance is being created or deleted (those own their state); undefined when skipped. */
  setSettledState(id: string, state: InstanceState, reason = ''): Instance | undefined {
    return this.db
      .update(instances)
      .set({ state, stateReason: reason, updatedAt: new Date().toISOString() })
      .where(and(eq(instances.id, id), notInArray(instances.state, ['creating', 'deleting'])))
      .returning()
      .get();
  }
}
