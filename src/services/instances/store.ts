/** Queries on the instances table shared by the instance services, and the per-instance lock. */
import { and, asc, eq, inArray, isNull, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteInsertValue } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../db/client.js';
import { findByIdOrName, getByIdOrName } from '../../db/lookup.js';
import { after } from '../../db/paging.js';
import { decodeCursor, toPage, type Page } from '../../lib/paging.js';
import { preparedOnce } from '../../db/prepared.js';
import { visibleRow } from '../../db/visibility.js';
import { computePools, hosts, instances } from '../../db/schema.js';
import type { InstanceListFilter, PageQuery } from '../../shared/lists.js';
import type { VisibleScope } from '../rbac.js';
import { AppError } from '../../lib/errors.js';
import { KeyedMutex, LockTimeoutError } from '../../lib/keyed-mutex.js';
import type { InstanceState } from '../../shared/instance-states.js';

/** An instance row. */
export type Instance = typeof instances.$inferSelect;

/** The values of a new instance row. */
export type NewInstance = typeof instances.$inferInsert;

/** Error codes that stay until the user acts: refreshes keep them and only delete is allowed. */
export const STICKY_ERRORS = new Set(['interrupted_create']);

const now = () => new Date().toISOString();

/** Instance row lookups and state updates. */
export class InstanceStore {
  private readonly locks: KeyedMutex;
  /** Long tasks holding instances, by instance id. */
  private readonly holds = new Map<string, string>();

  /** `lockWaitMs`: how long a change waits for an earlier change of the same instance before answering 409 instance_busy. */
  constructor(
    readonly db: Db,
    lockWaitMs = 30_000,
  ) {
    this.locks = new KeyedMutex({ waitTimeoutMs: lockWaitMs });
  }

  /**
   * Holds the instance for a long task (an image build) until the returned release is called:
   * meanwhile every change answers 409 instance_busy at once instead of waiting for the lock.
   * In memory only: a restart releases every hold, as it ends every task.
   */
  hold(id: string, task: string): () => void {
    this.holds.set(id, task);
    return () => {
      if (this.holds.get(id) === task) this.holds.delete(id);
    };
  }

  /** Throws instance_busy while a long task holds the instance. */
  assertNotHeld(row: Pick<Instance, 'id' | 'name'>): void {
    const task = this.holds.get(row.id);
    if (task) throw new AppError('instance_busy', `Instance '${row.name}' is busy ${task}; try again when that is done.`);
  }

  /** Runs `work` while holding the instance's lock: hypervisor-side changes to one instance never interleave. */
  async withLock<T>(id: string, work: () => Promise<T>): Promise<T> {
    this.assertNotHeld({ id, name: this.find(id)?.name ?? id });
    try {
      return await this.locks.run(id, work);
    } catch (err) {
      if (err instanceof LockTimeoutError) throw new AppError('instance_busy', `Instance '${id}' is busy with an earlier change that has not finished after ${err.timeoutMs / 1000} s; try again later.`);
      throw err;
    }
  }

  /**
   * Inserts an instance row and returns it, with one statement prepared per set of columns:
   * preparing an insert into instances compiles its triggers (claims, the scheduler's clock)
   * and costs several times what running it does, inside the placing transaction.
   */
  insert(values: NewInstance): Instance {
    const row: Record<string, unknown> = { updatedAt: now(), ...values };
    const columns = Object.keys(row).filter((k) => row[k] !== undefined).sort();
    const statement = preparedOnce(this.db, `instances.insert:${columns.join(',')}`, () =>
      // Every column a placeholder; drizzle encodes each value (JSON, booleans) as its column says when it runs.
      this.db.insert(instances).values(Object.fromEntries(columns.map((c) => [c, sql.placeholder(c)])) as SQLiteInsertValue<typeof instances>).returning().prepare(),
    );
    return statement.get(Object.fromEntries(columns.map((c) => [c, row[c]])));
  }

  /** By id or name (names are unique per pool: a name in several pools is ambiguous); throws instance_not_found. */
  get(idOrName: string): Instance {
    return getByIdOrName(this.db, instances, 'instance', idOrName);
  }

  find(idOrName: string): Instance | undefined {
    return findByIdOrName(this.db, instances, 'instance', idOrName);
  }

  findByDomain(domainName: string): Instance | undefined {
    return this.db.select().from(instances).where(eq(instances.domainName, domainName)).get();
  }

  list(): Instance[] {
    return this.db.select().from(instances).orderBy(instances.name).all();
  }

  /**
   * One page of instances in name order (then id), filtered by state, host and pool (id or
   * name) and a name prefix. One prepared statement per combination of filters, reused.
   */
  page(filter: InstanceListFilter, page: PageQuery, visible?: VisibleScope): Page<Instance> {
    const shape = [filter.state && 'state', filter.host && 'host', filter.pool && 'pool', filter.name && 'name', page.cursor && 'cursor', visible && 'visible'].filter(Boolean).join(',');
    const statement = preparedOnce(this.db, `instances.page:${shape}`, () => {
      const p = sql.placeholder;
      const where: SQL[] = [];
      if (filter.state) where.push(eq(instances.state, p('state')));
      if (filter.host) where.push(inArray(instances.hostId, this.db.select({ id: hosts.id }).from(hosts).where(or(eq(hosts.id, p('host')), eq(hosts.name, p('host'))))));
      if (filter.pool) where.push(inArray(instances.poolId, this.db.select({ id: computePools.id }).from(computePools).where(or(eq(computePools.id, p('pool')), eq(computePools.name, p('pool'))))));
      if (filter.name) where.push(sql`substr(${instances.name}, 1, length(${p('name')})) = ${p('name')}`);
      if (page.cursor) where.push(after(instances.name, instances.id, [p('afterName'), p('afterId')], 'asc'));
      // Only the caller's groups' rows, and in `own` groups only what they created.
      if (visible)
        where.push(visibleRow(instances.groupId, instances.createdBy, { groupIds: p('groupIds'), ownGroupIds: p('ownGroupIds'), userId: p('userId') }));
      return this.db.select().from(instances).where(and(...where)).orderBy(asc(instances.name), asc(instances.id)).limit(p('limit')).prepare();
    });
    const [afterName, afterId] = page.cursor ? decodeCursor(page.cursor) : [undefined, undefined];
    const scope = visible && { groupIds: JSON.stringify(visible.groupIds), ownGroupIds: JSON.stringify(visible.ownGroupIds), userId: visible.userId };
    const rows = statement.all({ ...filter, ...scope, afterName, afterId, limit: page.limit + 1 });
    return toPage(rows, page.limit, (row) => [row.name, row.id]);
  }

  /** Every instance placed on a host. */
  listOnHost(hostId: string): Instance[] {
    return this.db.select().from(instances).where(eq(instances.hostId, hostId)).all();
  }

  /** Updates columns and bumps updatedAt; returns the new row. */
  update(id: string, values: Partial<Instance>): Instance {
    return this.db.update(instances).set({ ...values, updatedAt: now() }).where(eq(instances.id, id)).returning().get();
  }

  /** Sets the state (clearing any error code unless one is given). */
  setState(id: string, state: InstanceState, reason = '', errorCode: string | null = null): Instance {
    return this.update(id, { state, stateReason: reason, errorCode });
  }

  /**
   * Sets a state the hypervisor reported, unless an operation owns the instance's state
   * (creating, deleting) or a sticky error waits for the user; undefined when skipped.
   */
  setSettledState(id: string, state: InstanceState, reason = ''): Instance | undefined {
    return this.db
      .update(instances)
      .set({ state, stateReason: reason, updatedAt: now() })
      .where(and(eq(instances.id, id), notInArray(instances.state, ['creating', 'deleting', 'migrating']), isNull(instances.errorCode)))
      .returning()
      .get();
  }

  delete(id: string): void {
    this.db.delete(instances).where(eq(instances.id, id)).run();
  }
}
