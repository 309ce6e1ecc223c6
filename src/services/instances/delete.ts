/** Deleting an instance with everything it owns (domain, disks, seed, console log), in an operation. */
import type { DomainRunState } from '../../hypervisor/types.js';
import { DomainNotFoundError, DomainStateError } from '../../hypervisor/errors.js';
import { AppError } from '../../lib/errors.js';
import { canDo } from '../../shared/instance-states.js';
import type { Actor } from '../actor.js';
import { callAgent, toAppError } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import type { Operation, OperationContext, OperationsService } from '../operations.js';
import type { InstanceRuntime } from './runtime.js';
import type { Instance, InstanceStore } from './store.js';

/** Domain states in which a domain holds a running QEMU process. */
const ACTIVE = new Set<DomainRunState>(['running', 'paused', 'blocked', 'shutdown', 'pmsuspended']);

/** Swallows an expected driver error class; anything else is translated and rethrown. */
function ignore(err: unknown, expected: new (...args: never[]) => Error, instanceName: string): void {
  if (!(err instanceof expected)) throw toAppError(err, instanceName);
}

/** Deletes instances. */
export class InstanceDeleter {
  constructor(
    private readonly store: InstanceStore,
    private readonly runtime: InstanceRuntime,
    private readonly operations: OperationsService,
    private readonly audit: AuditService,
  ) {}

  /** Starts the deletion; the row goes once everything it owned is gone. */
  delete(idOrName: string, actor: Actor): Operation {
    const row = this.begin(idOrName, actor);
    return this.operations.start('instance.delete', { type: 'instance', id: row.id }, actor, (ctx) => this.finish(row, ctx));
  }

  /** Checks and marks the instance `deleting`; {@link finish} then removes it. */
  begin(idOrName: string, actor: Actor): Instance {
    const row = this.store.get(idOrName);
    if (!canDo('delete', row.state)) throw new AppError('instance_busy', `Instance '${row.name}' is ${row.state}; wait for that to finish.`);
    this.store.assertNotHeld(row); // an image is being built from its disk
    this.runtime.agentFor(row); // refuse at once (503) while the host is offline
    this.store.setState(row.id, 'deleting');
    this.audit.record(actor, 'delete', 'instance', row.id, row.name);
    return row;
  }

  /** Removes everything a `deleting` instance owned, then its row (the body of a delete operation). */
  async finish(row: Instance, ctx: OperationContext): Promise<void> {
    try {
      await this.store.withLock(row.id, () => this.destroyEverything(row, ctx.progress));
    } catch (err) {
      this.store.setState(row.id, 'error', 'Deletion failed; delete it again to retry.', row.errorCode);
      throw err;
    }
    const networkIds = this.runtime.deps.nics.list(row.id).map((n) => n.networkId);
    this.store.delete(row.id); // its NICs and their addresses go with it
    ctx.progress(0.95, 'Releasing its addresses');
    await this.runtime.syncNetworks(row.name, networkIds);
  }

  private async destroyEverything(row: Instance, progress: (f: number, m?: string) => void): Promise<void> {
    const agent = this.runtime.agentFor(row);
    const domain = await callAgent(row.name, () => agent.domains.find(row.domainName));
    if (domain && ACTIVE.has(domain.state)) {
      progress(0.2, 'Stopping');
      // It may have stopped by itself since we looked.
      await agent.domains.destroy(row.domainName).catch((err: unknown) => ignore(err, DomainStateError, row.name));
    }
    if (domain) {
      progress(0.5, 'Removing the virtual machine');
      await agent.domains.undefine(row.domainName).catch((err: unknown) => ignore(err, DomainNotFoundError, row.name));
    }
    progress(0.8, 'Removing disks');
    await callAgent(row.name, () => agent.volumes.deleteInstance(row.id, this.runtime.poolOf(row)));
  }
}
