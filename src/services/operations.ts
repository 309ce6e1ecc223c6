/**
 * Operations: long-running tasks with an id, state, progress and a final result or error.
 * They run in this process; their rows survive restarts (a task cut off by a restart is
 * marked failed at the next start).
 */
import { and, desc, eq, exists, lt, ne, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { historyConditions } from '../db/history-filter.js';
import { after } from '../db/paging.js';
import { decodeCursor, toPage, type Page } from '../lib/paging.js';
import { images, instances, media, operations, users } from '../db/schema.js';
import { visibleRow } from '../db/visibility.js';
import type { HistoryFilter, PageQuery } from '../shared/lists.js';
import { AppError, notFound } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { RevertError } from '../lib/reverter.js';
import { log } from '../lib/log.js';
import type { Actor } from './actor.js';
import type { OperationScope } from './rbac.js';

/** An operation as stored and shown; `cancellable` while it runs and takes a cancel (not stored: a restart ends every operation). */
export type Operation = typeof operations.$inferSelect & { cancellable?: boolean };

/** Passed to the work function to report progress. */
export interface OperationContext {
  /** Reports progress as a fraction 0..1 and an optional message for the user. */
  progress(fraction: number, message?: string): void;
  /** Aborted when someone cancels the operation (only operations started `cancellable`) or onebox shuts down. */
  signal: AbortSignal;
}

/** How long a finished operation stays listed: long enough to look back at last month's failures. */
export const OPERATIONS_KEEP_MS = 30 * 24 * 3600_000;

/** The operations a caller may see: their own, those on rows they may read, and the rest when `untargeted`. */
function visibleOperation(db: Db, scope: OperationScope): SQL {
  const owned = { instance: instances, image: images, media } as const;
  const onOwned = (Object.keys(owned) as (keyof typeof owned)[]).map((kind) => {
    const table = owned[kind];
    const { groupIds, ownGroupIds, userId } = scope.owned[kind];
    const row = db.select({ one: sql`1` }).from(table).where(and(eq(table.id, operations.targetId), visibleRow(table.groupId, table.createdBy, { groupIds: JSON.stringify(groupIds), ownGroupIds: JSON.stringify(ownGroupIds), userId })));
    return and(eq(operations.targetType, kind), exists(row))!;
  });
  const untargeted = scope.untargeted ? [notInArray(operations.targetType, Object.keys(owned))] : [];
  return or(eq(operations.userId, scope.userId), ...untargeted, ...onOwned)!;
}

/** Starts, tracks and lists operations. */
export class OperationsService {
  private readonly running = new Map<string, Promise<void>>();
  /** The running operations that take a cancel, by id. */
  private readonly cancellers = new Map<string, AbortController>();

  constructor(private readonly db: Db) {}

  /** Marks operations left 'running' by a previous process as failed. */
  failInterrupted(): number {
    return this.db
      .update(operations)
      .set({ state: 'failed', errorCode: 'interrupted', errorDetail: 'onebox restarted while this operation was running.', updatedAt: now() })
      .where(eq(operations.state, 'running'))
      .run().changes;
  }

  /** Deletes finished operations whose last change is older than `keepMs` (running ones always stay); returns how many. */
  pruneFinished(keepMs = OPERATIONS_KEEP_MS): number {
    const cutoff = new Date(Date.now() - keepMs).toISOString();
    return this.db.delete(operations).where(and(ne(operations.state, 'running'), lt(operations.updatedAt, cutoff))).run().changes;
  }

  /** Records a new operation and runs `work` in the background. Returns the row at once. */
  start(
    kind: string,
    target: { type: string; id: string },
    actor: Actor | undefined,
    work: (ctx: OperationContext) => Promise<void>,
    opts: { parentId?: string; message?: string; cancellable?: boolean } = {},
  ): Operation {
    const row = this.db
      .insert(operations)
      .values({ id: newId('op'), kind, targetType: target.type, targetId: target.id, state: 'running', userId: actor?.userId ?? null, parentId: opts.parentId ?? null, message: opts.message ?? '' })
      .returning()
      .get();
    const abort = new AbortController();
    if (opts.cancellable) this.cancellers.set(row.id, abort);
    const ctx: OperationContext = {
      progress: (fraction, message) => this.update(row.id, { progress: Math.round(Math.min(1, Math.max(0, fraction)) * 100), ...(message ? { message } : {}) }),
      signal: abort.signal,
    };
    const task = work(ctx).then(
      () => this.update(row.id, { state: 'succeeded', progress: 100 }),
      (err: unknown) => this.fail(row.id, err),
    );
    this.running.set(row.id, task.finally(() => {
      this.running.delete(row.id);
      this.cancellers.delete(row.id);
    }));
    return this.withCancellable(row);
  }

  /** Gets one operation or throws NotFound. */
  get(id: string): Operation {
    const row = this.db.select().from(operations).where(eq(operations.id, id)).get();
    if (!row) throw notFound('operation', id);
    return this.withCancellable(row);
  }

  /**
   * Asks a running cancellable operation to stop (its work decides how: a live migration leaves
   * the guest on its source); 409 operation_not_cancellable for a finished one or one that takes
   * no cancel. Returns the operation; it ends (failed, with the work's cancel code) shortly after.
   */
  cancel(id: string): Operation {
    const op = this.get(id);
    const abort = this.cancellers.get(id);
    if (op.state !== 'running' || !abort)
      throw new AppError('operation_not_cancellable', op.state === 'running' ? `Operation '${id}' (${op.kind}) takes no cancel or is being cancelled already; wait for it to end.` : `Operation '${id}' (${op.kind}) has already ${op.state}; there is nothing to cancel.`);
    this.cancellers.delete(id);
    abort.abort();
    return { ...op, cancellable: false };
  }

  /** Cancels every cancellable operation (shutdown: a live migration must not run on unrecorded); returns how many. */
  cancelAll(): number {
    for (const abort of this.cancellers.values()) abort.abort();
    return this.cancellers.size;
  }

  private withCancellable<T extends Operation>(row: T): T {
    return { ...row, cancellable: row.state === 'running' && this.cancellers.has(row.id) };
  }

  /**
   * Newest first, filtered by time, user and target, with the name of the user who started each;
   * only those `visible` lets the caller see (undefined: all), filtered in the query so that a
   * page is full whenever more visible operations follow.
   */
  list(filter: Omit<HistoryFilter, 'action'>, page: PageQuery, visible?: OperationScope): Page<Operation & { username: string | null }> {
    const where = historyConditions(this.db, { at: operations.createdAt, userId: operations.userId, targetId: operations.targetId }, filter);
    if (visible) where.push(visibleOperation(this.db, visible));
    if (page.cursor) where.push(after(operations.createdAt, operations.id, decodeCursor(page.cursor), 'desc'));
    const rows = this.db
      .select({ op: operations, username: users.username })
      .from(operations)
      .leftJoin(users, eq(users.id, operations.userId))
      .where(and(...where))
      .orderBy(desc(operations.createdAt), desc(operations.id))
      .limit(page.limit + 1)
      .all()
      .map((r) => this.withCancellable({ ...r.op, username: r.username }));
    return toPage(rows, page.limit, (row) => [row.createdAt, row.id]);
  }

  /** Records what the operation produced so far (shown with it; a batch's items). */
  setResult(id: string, result: unknown): void {
    this.update(id, { result });
  }

  /** The child operations of a batch, oldest first. */
  children(parentId: string): Operation[] {
    return this.db.select().from(operations).where(eq(operations.parentId, parentId)).orderBy(operations.createdAt).all();
  }

  /** Resolves when the operation has finished (tests and shutdown). */
  async settled(id?: string): Promise<void> {
    if (id) await this.running.get(id);
    else await Promise.all(this.running.values());
  }

  private update(id: string, values: Partial<Operation>): void {
    this.db.update(operations).set({ ...values, updatedAt: now() }).where(eq(operations.id, id)).run();
  }

  /**
   * Records why an operation failed: an AppError's code and sentence (also when its cleanup then
   * failed too, naming the steps). Anything else may carry paths or tool output: it goes to the
   * log under the operation's id, and users see a generic sentence with that id.
   */
  private fail(id: string, err: unknown): void {
    const known = err instanceof RevertError ? err.original : err;
    if (known instanceof AppError) {
      const cleanup = err instanceof RevertError ? ` Cleaning up failed too (${err.failedSteps.join(', ')}); delete it to finish the cleanup.` : '';
      this.update(id, { state: 'failed', errorCode: known.code, errorDetail: known.message + cleanup });
      return;
    }
    log.error('operation failed', { operation: id, error: err instanceof Error ? err.stack : String(err) });
    this.update(id, { state: 'failed', errorCode: 'internal_error', errorDetail: `Something went wrong on the server; the log has the details under operation ${id}.` });
  }
}

const now = () => new Date().toISOString();
