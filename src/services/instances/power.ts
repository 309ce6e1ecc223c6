/**
 * Power actions on instances: start (optionally from an ISO), stop (ACPI, waits for the
 * guest), force stop, reboot, reset, pause, resume; and inserting/ejecting ISOs. The domain
 * is redefined from the database before each start, so the stored instance is the single
 * source of truth.
 */
import { DomainStateError, GuestAgentUnavailableError } from '../../hypervisor/errors.js';
import { AppError } from '../../lib/errors.js';
import { canDo, statesAllowing, type InstanceAction, type PowerAction } from '../../shared/instance-states.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import type { MediaService } from '../media.js';
import type { Operation, OperationContext, OperationsService } from '../operations.js';
import type { InstanceRuntime } from './runtime.js';
import { CDROM_TARGET } from './spec.js';
import { STICKY_ERRORS, type Instance, type InstanceStore } from './store.js';

export type { PowerAction };

/** Starts, stops and otherwise drives instances. */
export class InstancePowerService {
  constructor(
    private readonly store: InstanceStore,
    private readonly runtime: InstanceRuntime,
    private readonly media: MediaService,
    private readonly operations: OperationsService,
    private readonly audit: AuditService,
    /** How long a graceful stop waits for the guest before failing. */
    private readonly stopTimeoutMs = 120_000,
    /** How long a graceful stop waits on ACPI before asking the guest agent (capped by stopTimeoutMs). */
    private readonly acpiGraceMs = Math.min(30_000, stopTimeoutMs / 2),
  ) {}

  /** Performs an immediate action and returns the refreshed instance. */
  async act(idOrName: string, action: Exclude<PowerAction, 'stop'>, actor: Actor): Promise<Instance> {
    const id = this.store.get(idOrName).id;
    return this.store.withLock(id, () => this.actLocked(id, action, actor));
  }

  private async actLocked(id: string, action: Exclude<PowerAction, 'stop'>, actor: Actor): Promise<Instance> {
    const row = this.checked(id, action);
    const agent = this.runtime.agentFor(row);
    const d = agent.domains;
    const name = row.domainName;
    const calls: Record<typeof action, () => Promise<void>> = {
      start: async () => {
        await this.runtime.define(agent, row);
        await d.start(name);
      },
      'force-stop': () => d.destroy(name),
      reboot: () => d.reboot(name),
      reset: () => d.reset(name),
      pause: () => d.suspend(name),
      resume: () => d.resume(name),
    };
    await callAgent(row.name, calls[action]);
    this.audit.record(actor, action, 'instance', row.id, row.name);
    return this.runtime.refreshState(this.store.get(row.id));
  }

  /**
   * Asks the guest to power off through ACPI and waits (in an operation) until it has. A guest
   * that ignores ACPI for the grace period is asked through its guest agent (guest-shutdown);
   * the operation's last message says which path stopped it.
   */
  stop(idOrName: string, actor: Actor): Operation {
    const row = this.checked(idOrName, 'stop');
    this.runtime.agentFor(row); // refuse at once (503) while the host is offline
    return this.operations.start('instance.stop', { type: 'instance', id: row.id }, actor, (ctx) => this.stopAndWait(row.id, actor, ctx));
  }

  /** Checks, asks the guest to power off and waits until it has (the body of a stop operation; batches call it directly). */
  async stopAndWait(idOrName: string, actor: Actor, ctx: OperationContext): Promise<void> {
    const row = this.checked(idOrName, 'stop');
    const agent = this.runtime.agentFor(row);
    this.audit.record(actor, 'stop', 'instance', row.id, row.name);
    await this.store.withLock(row.id, () => callAgent(row.name, () => agent.domains.shutdown(row.domainName)));
    ctx.progress(0.1, 'Waiting for the guest to power off (ACPI power button)');
    const started = Date.now();
    const graceMs = Math.min(this.acpiGraceMs, this.stopTimeoutMs);
    if (await this.poweredOff(row, started + graceMs)) return ctx.progress(1, 'Stopped through ACPI');
    const byAgent = await this.store.withLock(row.id, () =>
      callAgent(row.name, async () => {
        try {
          await agent.domains.shutdownByAgent(row.domainName);
          return true;
        } catch (err) {
          if (err instanceof GuestAgentUnavailableError || err instanceof DomainStateError) return false;
          throw err;
        }
      }),
    );
    const graceS = Math.round(graceMs / 1000);
    ctx.progress(0.5, byAgent ? `The guest ignored ACPI for ${graceS} s; asked its guest agent to power off` : `The guest ignored ACPI for ${graceS} s and has no guest agent answering; still waiting`);
    if (await this.poweredOff(row, started + this.stopTimeoutMs))
      return ctx.progress(1, byAgent ? `Stopped through the guest agent after the guest ignored ACPI for ${graceS} s` : 'Stopped through ACPI');
    throw new AppError(
      'stop_timed_out',
      `Instance '${row.name}' did not power off within ${this.stopTimeoutMs / 1000} s; the guest ignores ACPI${byAgent ? ' and its guest agent did not power it off' : ' and no guest agent answers'}. Use force-stop.`,
    );
  }

  /** Waits until the domain is off (true) or the deadline passes (false); the stored state follows. */
  private async poweredOff(row: Instance, deadline: number): Promise<boolean> {
    const agent = this.runtime.agentFor(row);
    for (;;) {
      const domain = await callAgent(row.name, () => agent.domains.find(row.domainName));
      if (!domain || domain.state === 'shutoff') {
        await this.runtime.refreshState(this.store.get(row.id));
        return true;
      }
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now()))));
    }
  }

  /** Inserts an ISO and boots from it first, in an operation. */
  startFromIso(idOrName: string, mediaId: string, actor: Actor): Operation {
    const row = this.checked(idOrName, 'start-from-iso');
    const iso = this.media.get(mediaId);
    const agent = this.runtime.agentFor(row);
    this.audit.record(actor, 'start_from_iso', 'instance', row.id, iso.name);
    return this.operations.start('instance.start-from-iso', { type: 'instance', id: row.id }, actor, (ctx) =>
      this.media.using(iso.id, () =>
        this.store.withLock(row.id, async () => {
          this.checked(row.id, 'start-from-iso');
          this.media.get(iso.id); // still there (deletion waits for us from here on)
          ctx.progress(0.2, 'Copying the ISO to the host');
          await this.runtime.ensureMedia(agent, row, iso.id);
          const updated = this.store.update(row.id, { mediaId: iso.id });
          ctx.progress(0.5, 'Defining the virtual machine with the ISO first in the boot order');
          await this.runtime.define(agent, updated, { bootFromCdrom: true });
          ctx.progress(0.7, 'Starting');
          await callAgent(row.name, () => agent.domains.start(row.domainName));
          await this.runtime.refreshState(this.store.get(row.id));
        }),
      ),
    );
  }

  /** Puts an ISO in the CD-ROM drive (live when running); it stays there across restarts until ejected. */
  async insertMedia(idOrName: string, mediaId: string, actor: Actor): Promise<Instance> {
    const iso = this.media.get(mediaId);
    return this.media.using(iso.id, () => this.changeMedia(idOrName, iso.id, actor));
  }

  /** Empties the CD-ROM drive (live when running). */
  async ejectMedia(idOrName: string, actor: Actor): Promise<Instance> {
    return this.changeMedia(idOrName, null, actor);
  }

  private async changeMedia(idOrName: string, mediaId: string | null, actor: Actor): Promise<Instance> {
    const id = this.store.get(idOrName).id;
    return this.store.withLock(id, async () => {
      const row = this.checked(id, 'change-media');
      const agent = this.runtime.agentFor(row);
      // Looked up again inside the lock: an ISO deleted meanwhile is a 404, not a dangling attachment.
      const ref = mediaId === null ? undefined : await this.runtime.ensureMedia(agent, row, this.media.get(mediaId).id);
      await callAgent(row.name, () => agent.domains.changeCdrom(row.domainName, CDROM_TARGET, ref));
      this.audit.record(actor, mediaId ? 'insert_media' : 'eject_media', 'instance', row.id, mediaId ?? '');
      return this.store.update(row.id, { mediaId });
    });
  }

  private checked(idOrName: string, action: InstanceAction): Instance {
    const row = this.store.get(idOrName);
    if (row.errorCode && STICKY_ERRORS.has(row.errorCode) && action !== 'force-stop')
      throw new AppError('instance_needs_repair', `Instance '${row.name}' cannot be used: ${row.stateReason}`);
    if (!canDo(action, row.state))
      throw new AppError('invalid_instance_state', `Cannot ${action.replace(/-/g, ' ')} instance '${row.name}' while it is ${row.state} (only when ${statesAllowing(action).join(' or ')}).`);
    return row;
  }
}
