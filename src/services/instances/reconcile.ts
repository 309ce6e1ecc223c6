/**
 * Keeping stored instance states in step with the hosts: at controller start (operations cut
 * off by a restart), when a host attaches or its hypervisor reconnects, and on lifecycle events.
 */
import type { DomainLifecycleEvent } from '../../cluster/agent-types.js';
import { log } from '../../lib/log.js';
import { TRANSITIONAL_STATES } from '../../shared/instance-states.js';
import type { HostListener } from '../hosts.js';
import type { NetworksService } from '../networks.js';
import type { InstanceRuntime } from './runtime.js';
import type { InstanceStore } from './store.js';

/** Follows hosts and their events. */
export class InstanceReconciler implements HostListener {
  constructor(
    private readonly store: InstanceStore,
    private readonly runtime: InstanceRuntime,
    private readonly networks: NetworksService,
  ) {}

  /**
   * At controller start: an instance left creating can hold a half-made disk, so it stays in
   * error (sticky: only delete helps) with the reason; one left deleting can be deleted again.
   */
  markInterrupted(): number {
    let n = 0;
    for (const row of this.store.list()) {
      if (row.state === 'creating') {
        this.store.setState(row.id, 'error', 'onebox restarted while the instance was being created; its disks may be incomplete. Delete it and create it again.', 'interrupted_create');
        n++;
      } else if (row.state === 'deleting' || row.state === 'migrating') {
        this.store.setState(row.id, 'error', `onebox restarted while the instance was ${row.state === 'deleting' ? 'being deleted; delete it again' : 'migrating; it stays on the host it was on'}.`);
        n++;
      }
    }
    return n;
  }

  /** Checks run once a host attached (snapshot deletes cut off by a restart). */
  private readonly attachChecks: ((hostId: string) => Promise<unknown>)[] = [];

  /** Adds a check to run when a host attaches. */
  onAttached(check: (hostId: string) => Promise<unknown>): void {
    this.attachChecks.push(check);
  }

  /** A host attached: networks as the database says, its instances follow what it reports, domains of ours without an instance go. */
  async attached(hostId: string): Promise<void> {
    const agent = this.runtime.deps.agents.find(hostId);
    if (agent) await this.networks.ensureAllOn(hostId, agent);
    await this.refreshHost(hostId);
    for (const check of this.attachChecks) await check(hostId).catch((err: unknown) => log.error('a check after a host attached failed', { host: hostId, error: String(err) }));
    await this.sweepOrphans(hostId).catch((err: unknown) => log.error('sweeping orphaned domains failed', { host: hostId, error: String(err) }));
  }

  /**
   * Removes domains this installation defined (their metadata names it as the owner) that no
   * instance row refers to any more, e.g. after a power loss between define and commit. Domains
   * of other onebox servers sharing the hypervisor, and domains onebox did not make, stay.
   */
  async sweepOrphans(hostId: string): Promise<string[]> {
    const agent = this.runtime.deps.agents.find(hostId);
    if (!agent) return [];
    const known = new Set(this.store.list().map((row) => row.domainName));
    const removed: string[] = [];
    for (const domain of await agent.domains.list()) {
      if (known.has(domain.name)) continue;
      const owner = await agent.domains.owner(domain.name).catch(() => undefined);
      if (owner?.owner !== this.runtime.deps.installationId) continue;
      log.warn('removing a domain of this installation that no instance refers to', { host: hostId, domain: domain.name, instance: owner.instanceId });
      await agent.domains.destroy(domain.name).catch(() => undefined); // it may be stopped already
      await agent.domains.undefine(domain.name);
      removed.push(domain.name);
    }
    return removed;
  }

  async reconnected(hostId: string): Promise<void> {
    await this.refreshHost(hostId);
  }

  lifecycle(_hostId: string, event: DomainLifecycleEvent): void {
    const row = this.store.findByDomain(event.name);
    if (row && !TRANSITIONAL_STATES.includes(row.state))
      void this.runtime.refreshState(row).catch((err: unknown) => log.warn('state refresh after an event failed', { instance: row.id, error: String(err) }));
  }

  /** Re-reads every settled instance of a host. */
  async refreshHost(hostId: string): Promise<void> {
    for (const row of this.store.listOnHost(hostId)) if (!TRANSITIONAL_STATES.includes(row.state)) await this.runtime.refreshState(row);
  }
}
