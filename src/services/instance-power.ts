/**
 * Power actions on instances: start (optionally from an ISO), stop (ACPI, waits for the
 * guest), force stop, reboot, reset, pause, resume. The domain is redefined from the
 * database before each start, so the stored instance is the single source of truth.
 */
import { ConflictError } from '../lib/errors.js';
import { canDo, statesAllowing, type InstanceAction, type PowerAction } from '../shared/instance-states.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import { callHypervisor } from './hypervisor-errors.js';
import { CDROM_TARGET } from './instance-spec.js';
import type { Instance, InstanceStore } from './instance-store.js';
import type { InstancesService } from './instances.js';
import type { MediaService } from './media.js';
import type { Operation, OperationsService } from './operations.js';

export type { PowerAction };

/** Starts, stops and otherwise drives instances. */
export class InstancePowerService {
  constructor(
    private readonly store: InstanceStore,
    private readonly instances: InstancesService,
    private readonly media: MediaService,
    private readonly operations: OperationsService,
    private readonly audit: AuditService,
    /** How long a graceful stop waits for the guest before failing. */
    private readonly stopTimeoutMs = 120_000,
  ) {}

  /** Performs an immediate action and returns the refreshed instance. */
  async act(idOrName: string, action: Exclude<PowerAction, 'stop'>, actor: Actor): Promise<Instance> {
    const id = this.store.get(idOrName).id;
    return this.store.withLock(id, () => this.actLocked(id, action, actor));
  }

  private async actLocked(id: string, action: Exclude<PowerAction, 'stop'>, actor: Actor): Promise<Instance> {
    const row = this.checked(id, action);
    const agent = this.instances.agentFor(row);
    const hv = agent.hypervisor;
    const name = row.domainName;
    const calls: Record<typeof action, () => Promise<void>> = {
      start: async () => {
        await this.instances.define(agent, row);
        await hv.start(name);
      },
      'force-stop': () => hv.destroy(name),
      reboot: () => hv.reboot(name),
      reset: () => hv.reset(name),
      pause: () => hv.suspend(name),
      resume: () => hv.resume(name),
    };
    await callHypervisor(row.name, calls[action]);
    this.audit.record(actor, action, 'instance', row.id, row.name);
    return this.instances.refreshState(this.store.get(row.id));
  }

  /** Asks the guest to power off through ACPI and waits (in an operation) until it has. */
  stop(idOrName: string, actor: Actor): Operation {
    const row = this.checked(idOrName, 'stop');
    const agent = this.instances.agentFor(row);
    this.audit.record(actor, 'stop', 'instance', row.id, row.name);
    return this.operations.start('instance.stop', { type: 'instance', id: row.id }, actor, async (ctx) => {
      await this.store.withLock(row.id, () => callHypervisor(row.name, () => agent.hypervisor.shutdown(row.domainName)));
      ctx.progress(0.1, 'Waiting for the guest to power off');
      const deadline = Date.now() + this.stopTimeoutMs;
      while (Date.now() < deadline) {
        const domain = await callHypervisor(row.name, () => agent.hypervisor.findDomain(row.domainName));
        if (!domain || domain.state === 'shutoff') {
          await this.instances.refreshState(this.store.get(row.id));
          return;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new ConflictError('stop_timed_out', `Instance '${row.name}' did not power off within ${this.stopTimeoutMs / 1000} s; the guest may ignore ACPI. Use force-stop.`);
    });
  }

  /** Inserts an ISO and boots from it first, in an operation. */
  startFromIso(idOrName: string, mediaId: string, actor: Actor): Operation {
    const row = this.checked(idOrName, 'start-from-iso');
    const iso = this.media.get(mediaId);
    const agent = this.instances.agentFor(row);
    this.audit.record(actor, 'start_from_iso', 'instance', row.id, iso.name);
    return this.operations.start('instance.start-from-iso', { type: 'instance', id: row.id }, actor, (ctx) =>
      this.store.withLock(row.id, async () => {
        this.checked(row.id, 'start-from-iso');
        const updated = this.store.update(row.id, { mediaId: iso.id });
        ctx.progress(0.3, 'Defining the virtual machine with the ISO first in the boot order');
        await this.instances.define(agent, updated, true);
        ctx.progress(0.6, 'Starting');
        await callHypervisor(row.name, () => agent.hypervisor.start(row.domainName));
        await this.instances.refreshState(this.store.get(row.id));
      }),
    );
  }

  /** Puts an ISO in the CD-ROM drive (live when running); it stays there across restarts until ejected. */
  async insertMedia(idOrName: string, mediaId: string, actor: Actor): Promise<Instance> {
    const iso = this.media.get(mediaId);
    return this.changeMedia(idOrName, iso.id, this.media.filePath(iso), actor, `insert_media`);
  }

  /** Empties the CD-ROM drive (live when running). */
  async ejectMedia(idOrName: string, actor: Actor): Promise<Instance> {
    return this.changeMedia(idOrName, null, undefined, actor, 'eject_media');
  }

  private async changeMedia(idOrName: string, mediaId: string | null, path: string | undefined, actor: Actor, action: string): Promise<Instance> {
    const id = this.store.get(idOrName).id;
    return this.store.withLock(id, async () => {
      const row = this.store.get(id);
      if (!canDo('change-media', row.state))
        throw new ConflictError('invalid_instance_state', `Cannot change the medium of instance '${row.name}' while it is ${row.state}.`);
      const agent = this.instances.agentFor(row);
      await callHypervisor(row.name, () => agent.hypervisor.changeCdrom(row.domainName, CDROM_TARGET, path));
      this.audit.record(actor, action, 'instance', row.id, mediaId ?? '');
      return this.store.update(row.id, { mediaId });
    });
  }

  private checked(idOrName: string, action: InstanceAction): Instance {
    const row = this.store.get(idOrName);
    if (!canDo(action, row.state))
      throw new ConflictError('invalid_instance_state', `Cannot ${action} instance '${row.name}' while it is ${row.state} (only when ${statesAllowing(action).join(' or ')}).`);
    return row;
  }
}
