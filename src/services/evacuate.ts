/**
 * Evacuating a host: its scheduling is switched off first (nothing new lands there), then every
 * instance on it moves, one at a time, each in its own child operation of one parent: stopped
 * ones cold, running ones live. A refusal or failure is that child's error; the others go on.
 * Cancelling the parent cancels the child that is moving and starts no more (the host stays
 * disabled; what has moved stays moved); a child can also be cancelled alone, and the others go on.
 */
import { AppError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import type { HostsService } from './hosts.js';
import type { InstanceMigrator } from './instances/migrate.js';
import type { InstanceStore } from './instances/store.js';
import type { Operation, OperationContext, OperationsService } from './operations.js';

/** One instance of an evacuation, as the parent operation's result lists it. */
export interface EvacuationItem {
  name: string;
  instanceId: string;
  operationId: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  errorCode: string | null;
  errorDetail: string | null;
}

/** What evacuating needs. */
export interface EvacuateDeps {
  store: InstanceStore;
  hosts: HostsService;
  migrator: InstanceMigrator;
  operations: OperationsService;
  audit: AuditService;
}

/** Moves everything off a host. */
export class HostEvacuator {
  constructor(private readonly deps: EvacuateDeps) {}

  /** Disables the host for scheduling and starts the parent operation; `targetHostId` sends everything there, else the scheduler picks per instance. */
  evacuate(hostIdOrName: string, targetHostId: string | undefined, actor: Actor): Operation {
    const { hosts, store, operations } = this.deps;
    const host = hosts.get(hostIdOrName);
    const target = targetHostId === undefined ? undefined : hosts.get(targetHostId);
    if (target?.id === host.id) throw new AppError('migration_same_host', `Host '${host.name}' cannot be evacuated onto itself; choose another host of its pool, or none to let the scheduler pick.`);
    if (host.enabled) hosts.setEnabled(host.id, false, actor);
    this.deps.audit.record(actor, 'evacuate', 'host', host.id, target ? `${host.name} to ${target.name}` : host.name);
    const rows = store.listOnHost(host.id);
    const items: EvacuationItem[] = [];
    const parent = operations.start('host.evacuate', { type: 'host', id: host.id }, actor, async (ctx) => {
      await Promise.resolve(); // start() runs this at once: let it return the parent (whose id the children need) first
      let moving: string | undefined;
      const cancelMoving = () => moving && this.cancelChild(moving);
      ctx.signal.addEventListener('abort', cancelMoving, { once: true });
      for (const [i, row] of rows.entries()) {
        if (ctx.signal.aborted) break;
        ctx.progress(i / Math.max(1, rows.length), `Moving ${row.name} (${i + 1} of ${rows.length})`);
        const child = operations.start('instance.migrate', { type: 'instance', id: row.id }, actor, (childCtx) => this.moveOne(row.id, target?.id, actor, childCtx), { parentId: parent.id, cancellable: true });
        moving = child.id;
        items.push({ name: row.name, instanceId: row.id, operationId: child.id, state: 'running', errorCode: null, errorDetail: null });
        operations.setResult(parent.id, { items });
        await operations.settled(child.id);
        moving = undefined;
        const done = operations.get(child.id);
        items[i] = { ...items[i], state: done.state === 'succeeded' ? 'succeeded' : 'failed', errorCode: done.errorCode, errorDetail: done.errorDetail };
        operations.setResult(parent.id, { items });
      }
      ctx.signal.removeEventListener('abort', cancelMoving);
      // A cancel that came after the last child moved its instance cancelled nothing: the evacuation is complete.
      if (ctx.signal.aborted && items.some((item) => item.state !== 'succeeded')) {
        const moved = items.filter((item) => item.state === 'succeeded').length;
        throw new AppError('evacuation_cancelled', `Evacuating host '${host.name}' was cancelled: ${moved} of ${rows.length} instances moved, the others stay on it (still disabled for scheduling).`);
      }
      const failed = items.filter((item) => item.state === 'failed');
      if (failed.length)
        throw new AppError('batch_items_failed', `${failed.length} of ${items.length} instances could not leave host '${host.name}' (${failed.slice(0, 3).map((f) => `${f.name}: ${f.errorCode}`).join(', ')}${failed.length > 3 ? ', …' : ''}); each one's error is in the result.`);
      ctx.progress(1, rows.length ? `All ${rows.length} instances left host '${host.name}'.` : `Host '${host.name}' had no instances.`);
    }, { cancellable: true });
    operations.setResult(parent.id, { items });
    return operations.get(parent.id);
  }

  /** Cancels a running child; one that is already ending (or being cancelled) is left to end. */
  private cancelChild(operationId: string): void {
    try {
      this.deps.operations.cancel(operationId);
    } catch (err) {
      // Called from an abort listener: a throw there would be uncaught. One that ended meanwhile needs nothing.
      if (!(err instanceof AppError && err.code === 'operation_not_cancellable')) log.warn('cancelling a migration of an evacuation failed', { operation: operationId, error: String(err) });
    }
  }

  /** One child: checks and moves one instance (live when it runs); its refusal is this child's error. */
  private async moveOne(instanceId: string, targetHostId: string | undefined, actor: Actor, ctx: OperationContext): Promise<void> {
    const row = this.deps.store.get(instanceId);
    const hostId = targetHostId ?? (await this.deps.migrator.chooseTarget(row));
    // live: true moves a running one live and a stopped one cold (its state is read again under its lock).
    const { work } = await this.deps.migrator.prepare(row.id, { hostId, live: true }, actor);
    await work(ctx);
  }
}
