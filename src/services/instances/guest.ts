/**
 * The guest agent's features on an instance: set a guest user's password, and what the guest
 * reports about itself (hostname, OS, addresses). An agent that does not answer is a state for
 * the report and a 409 for the password.
 */
import { GuestAgentUnavailableError, GuestCommandFailedError } from '../../hypervisor/errors.js';
import { AppError } from '../../lib/errors.js';
import type { GuestInfo, GuestPasswordSet } from '../../shared/guest.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import type { ImagesService } from '../images.js';
import type { GuestAddressesService } from './guest-addresses.js';
import type { InstanceRuntime } from './runtime.js';
import { STICKY_ERRORS, type Instance, type InstanceStore } from './store.js';

/** The user whose password is set when the request names none and the image records none. */
export const FALLBACK_GUEST_USER = 'root';

const UNKNOWN = { hostname: null, osName: null, osVersion: null, osPrettyName: null, kernelRelease: null };

/** Guest passwords and guest reports. */
export class GuestService {
  constructor(
    private readonly store: InstanceStore,
    private readonly runtime: InstanceRuntime,
    private readonly images: ImagesService,
    private readonly addresses: GuestAddressesService,
    private readonly audit: AuditService,
  ) {}

  /** Sets the password of `username` (default: the image's default user, else root) in the running guest. */
  async setPassword(idOrName: string, input: { username?: string; password: string }, actor: Actor): Promise<GuestPasswordSet> {
    const id = this.store.get(idOrName).id;
    return this.store.withLock(id, async () => {
      const row = this.running(id, 'set a guest password on');
      const username = input.username ?? this.defaultUserOf(row);
      const agent = this.runtime.agentFor(row);
      await callAgent(row.name, async () => {
        try {
          await agent.domains.setGuestPassword(row.domainName, username, input.password);
        } catch (err) {
          if (err instanceof GuestAgentUnavailableError)
            throw new AppError('guest_agent_unavailable', `The guest agent of instance '${row.name}' does not answer (${err.message}); the guest may still be booting or have no qemu-guest-agent running.`);
          if (err instanceof GuestCommandFailedError)
            throw new AppError('guest_password_refused', `The guest of instance '${row.name}' refused to set the password of user '${username}'; does the user exist in the guest?`, [{ field: 'username', message: 'The guest refused this user.' }]);
          throw err;
        }
      });
      this.audit.record(actor, 'set_guest_password', 'instance', row.id, username);
      return { username };
    });
  }

  /** What the guest reports: its agent state, hostname, OS and addresses. Never an error for a silent agent. */
  async info(idOrName: string): Promise<GuestInfo> {
    const row = this.store.get(idOrName);
    if (row.state !== 'running')
      return { agent: 'unavailable', reason: `Instance '${row.name}' is ${row.state}; its guest reports only while it runs.`, ...UNKNOWN, addresses: null };
    const agent = this.runtime.agentFor(row);
    const system = await callAgent(row.name, async () => {
      try {
        return await agent.domains.guestSystemInfo(row.domainName);
      } catch (err) {
        if (err instanceof GuestAgentUnavailableError) return err;
        throw err;
      }
    });
    const addresses = await this.addresses.of(row.id);
    if (system instanceof GuestAgentUnavailableError)
      return { agent: 'unavailable', reason: `The guest agent of instance '${row.name}' does not answer; the guest may still be booting or have no qemu-guest-agent.`, ...UNKNOWN, addresses };
    return { agent: 'available', reason: null, ...system, addresses };
  }

  private defaultUserOf(row: Instance): string {
    if (!row.imageId) return FALLBACK_GUEST_USER;
    try {
      return this.images.get(row.imageId).defaultUser ?? FALLBACK_GUEST_USER;
    } catch {
      return FALLBACK_GUEST_USER; // the image is gone: nothing records another user
    }
  }

  private running(id: string, verb: string): Instance {
    const row = this.store.get(id);
    if (row.errorCode && STICKY_ERRORS.has(row.errorCode)) throw new AppError('instance_needs_repair', `Cannot ${verb} instance '${row.name}': ${row.stateReason}`);
    if (row.state !== 'running') throw new AppError('instance_not_running', `Cannot ${verb} instance '${row.name}' while it is ${row.state}: the guest agent answers only while the guest runs.`);
    return row;
  }
}
