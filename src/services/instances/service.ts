/** Instances as the API sees them: list, get, create, delete and the console log; the work is in the sibling modules. */
import type { Readable } from 'node:stream';
import type { CreateInstanceInput } from '../../shared/schemas.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { Operation } from '../operations.js';
import type { InstanceCreator } from './create.js';
import type { InstanceDeleter } from './delete.js';
import type { InstanceRuntime } from './runtime.js';
import type { Instance, InstanceStore } from './store.js';

/** At most this much of the serial console log is returned. */
export const CONSOLE_LOG_MAX_BYTES = 1024 * 1024;

/** The instance catalogue. */
export class InstancesService {
  constructor(
    private readonly store: InstanceStore,
    private readonly runtime: InstanceRuntime,
    private readonly creator: InstanceCreator,
    private readonly deleter: InstanceDeleter,
  ) {}

  list(): Instance[] {
    return this.store.list();
  }

  get(idOrName: string): Instance {
    return this.store.get(idOrName);
  }

  create(input: CreateInstanceInput, actor: Actor): Promise<{ instance: Instance; operation: Operation }> {
    return this.creator.create(input, actor);
  }

  delete(idOrName: string, actor: Actor): Operation {
    return this.deleter.delete(idOrName, actor);
  }

  /** The end of what the guest wrote to its serial console (at most 1 MiB). */
  async consoleLog(idOrName: string): Promise<Readable> {
    const row = this.store.get(idOrName);
    const agent = this.runtime.agentFor(row);
    return callAgent(row.name, () => agent.consoles.log(row.id, CONSOLE_LOG_MAX_BYTES));
  }
}
