/**
 * Batches: create N instances from one request, or start/stop/force-stop/reboot/delete a
 * selection. A batch is one parent operation with one child operation per item; each item
 * runs on its own (a failing item never stops the others) and the parent's result lists
 * every item with its state and error.
 */
import { AppError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { limiter } from '../../lib/limiter.js';
import { MAX_BATCH_ITEMS, type BatchActionInput, type BatchCreateInput, type BatchInput, type BatchItem, type BatchResult } from '../../shared/batch.js';
import type { Actor } from '../actor.js';
import type { Operation, OperationContext, OperationsService } from '../operations.js';
import type { InstanceCreator } from './create.js';
import type { InstanceDeleter } from './delete.js';
import type { InstancePowerService } from './power.js';
import type { Instance, InstanceStore } from './store.js';

/**
 * Items of one batch in flight at once. Placement does not need the bound (each item is
 * placed in its own synchronous transaction, so a batch never over-books a host); the hosts
 * do: every create runs qemu-img, maybe a seed ISO build and libvirt calls, and a delete
 * removes files. Four keeps a small host's cores busy while calls wait on I/O, without
 * starting a hundred processes at once or starving the API and heartbeats of the event loop.
 */
export const BATCH_CONCURRENCY = 4;

/** What an item does, inside its child operation. */
interface ItemPlan {
  name: string;
  instanceId: string | null;
  kind: string;
  work: (ctx: OperationContext) => Promise<void>;
}

/** What batches need. */
export interface BatchDeps {
  store: InstanceStore;
  creator: InstanceCreator;
  deleter: InstanceDeleter;
  power: InstancePowerService;
  operations: OperationsService;
}

/** Runs batches of instance actions. */
export class InstanceBatches {
  constructor(private readonly deps: BatchDeps) {}

  /** Starts a batch; returns its parent operation, whose result lists the items and their child operations. */
  start(input: BatchInput, actor: Actor): Operation {
    return input.action === 'create' ? this.create(input, actor) : this.act(input, actor);
  }

  private create(input: BatchCreateInput, actor: Actor): Operation {
    const { action: _action, count, namePrefix, names, ...body } = input;
    const total = names?.length ?? count ?? 0;
    checkSize(total, names ? 'names' : 'count');
    const list = names ?? Array.from({ length: total }, (_, i) => `${namePrefix}-${i + 1}`);
    const { creator } = this.deps;
    return this.run('create', actor, list.map((name) => {
      const id = newId('ins');
      return {
        name, instanceId: id, kind: 'instance.create',
        work: async (ctx) => creator.build(await creator.place({ ...body, name }, actor, id), body.start, ctx.progress),
      };
    }));
  }

  private act(input: BatchActionInput, actor: Actor): Operation {
    const given = [...new Set(input.ids)];
    checkSize(given.length, 'ids');
    const { power, deleter, store } = this.deps;
    const { action } = input;
    const work = (idOrName: string) => async (ctx: OperationContext) => {
      if (action === 'stop') return power.stopAndWait(idOrName, actor, ctx);
      if (action === 'delete') return deleter.finish(deleter.begin(idOrName, actor), ctx);
      await power.act(idOrName, action, actor);
    };
    return this.run(action, actor, given.map((idOrName) => {
      const found = findOne(store, idOrName);
      return { name: found?.name ?? idOrName, instanceId: found?.id ?? null, kind: `instance.${action}`, work: work(found?.id ?? idOrName) };
    }));
  }

  /** The parent operation, then one child per item; the parent finishes when every child has. */
  private run(action: BatchResult['action'], actor: Actor, plans: ItemPlan[]): Operation {
    const { operations } = this.deps;
    const result: BatchResult = { action, items: [] };
    const slot = limiter(BATCH_CONCURRENCY);
    let children: Operation[] = [];
    // Nothing runs until every child exists and the items are listed.
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const parent = operations.start(`instance.batch-${action}`, { type: 'instances', id: 'batch' }, actor, async (ctx) => {
      await gate;
      let done = 0;
      await Promise.all(children.map(async (child, i) => {
        await operations.settled(child.id);
        const row = operations.get(child.id);
        setItem(i, { state: row.state === 'succeeded' ? 'succeeded' : 'failed', errorCode: row.errorCode, errorDetail: row.errorDetail });
        done++;
        ctx.progress(done / children.length, `${done} of ${children.length} done`);
      }));
      const failed = result.items.filter((item) => item.state === 'failed');
      if (failed.length)
        throw new AppError('batch_items_failed', `${failed.length} of ${result.items.length} items failed (${failed.slice(0, 3).map((f) => `${f.name}: ${f.errorCode}`).join(', ')}${failed.length > 3 ? ', …' : ''}); each item's error is in the result.`);
    });
    const setItem = (i: number, change: Partial<BatchItem>) => {
      result.items[i] = { ...result.items[i], ...change };
      operations.setResult(parent.id, result);
    };
    children = plans.map((plan, i) =>
      operations.start(plan.kind, { type: 'instance', id: plan.instanceId ?? plan.name }, actor, async (ctx) =>
        gate.then(() => slot(() => {
          setItem(i, { state: 'running' });
          ctx.progress(0, '');
          return plan.work(ctx);
        })),
        { parentId: parent.id, message: 'Waiting for a free slot' },
      ),
    );
    result.items = plans.map((plan, i) => ({ name: plan.name, instanceId: plan.instanceId, operationId: children[i].id, state: 'queued', errorCode: null, errorDetail: null }));
    operations.setResult(parent.id, result);
    open();
    return operations.get(parent.id);
  }
}

function checkSize(n: number, field: string): void {
  if (n > MAX_BATCH_ITEMS)
    throw new AppError('batch_too_large', `A batch can have at most ${MAX_BATCH_ITEMS} items, not ${n}; split it.`, [{ field, message: `At most ${MAX_BATCH_ITEMS}.` }]);
}

/** The instance an item names, if there is exactly one (unknown and ambiguous names fail in their item). */
function findOne(store: InstanceStore, idOrName: string): Instance | undefined {
  try {
    return store.find(idOrName);
  } catch {
    return undefined;
  }
}
