/**
 * HostAgent: how the controller reaches one host's hypervisor and storage. The local host is
 * served in-process; a joined peer will be an HTTPS client with the same shape, so nothing
 * in services knows whether a host is local or remote.
 */
import type { HypervisorDriver } from '../hypervisor/driver.js';
import type { StorageDriver } from '../storage/driver.js';

/** The drivers of one host. */
export interface HostAgent {
  readonly hostId: string;
  readonly hypervisor: HypervisorDriver;
  readonly storage: StorageDriver;
}

/** Looks up the agent of a host; undefined when the host is not reachable from here. */
export class HostAgents {
  private readonly agents = new Map<string, HostAgent>();

  /** Registers (or replaces) a host's agent. */
  register(agent: HostAgent): void {
    this.agents.set(agent.hostId, agent);
  }

  /** The agent of a host, or undefined. */
  find(hostId: string): HostAgent | undefined {
    return this.agents.get(hostId);
  }

  /** Every registered agent. */
  all(): HostAgent[] {
    return [...this.agents.values()];
  }
}
