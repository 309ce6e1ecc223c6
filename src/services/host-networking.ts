/**
 * A host's own network: its interfaces, and bridge-setup (a new Linux bridge takes over a NIC's
 * addresses and routes so guests of a bridged network sit on that LAN). The host agent does the
 * work in the host's namespace and rolls back on failure; this service finds the host, lets one
 * bridge-setup run per host at a time, audits applied changes and turns refusals into API codes.
 */
import { AgentUnreachableError } from '../cluster/errors.js';
import type { HostAgents } from '../cluster/host-agent.js';
import { HypervisorUnavailableError } from '../hypervisor/errors.js';
import { AppError } from '../lib/errors.js';
import { ExecError } from '../lib/exec.js';
import { BridgeSetupError, type BridgeSetupCode } from '../network/bridge-setup-errors.js';
import type { BridgeSetupResult, HostInterface } from '../shared/hosts.js';
import type { ProblemCode } from '../shared/problem-codes.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import type { HostsService } from './hosts.js';

/** Each bridge-setup refusal or failure as an API code (a missing NIC shares nic_not_found with instance NICs). */
const CODES: Record<BridgeSetupCode, ProblemCode> = {
  invalid_interface_name: 'invalid_interface_name',
  nic_not_found: 'nic_not_found',
  nic_is_loopback: 'nic_is_loopback',
  nic_not_ethernet: 'nic_not_ethernet',
  nic_is_bridge: 'nic_is_bridge',
  nic_enslaved: 'nic_enslaved',
  bridge_name_taken: 'bridge_name_taken',
  route_unsupported: 'route_unsupported',
  address_unsupported: 'address_unsupported',
  unexpected_ip_output: 'bridge_setup_failed',
  bridge_setup_failed: 'bridge_setup_failed',
  gateway_unreachable: 'gateway_unreachable',
  rollback_incomplete: 'rollback_incomplete',
};

/** The API error of what the host agent threw for its interfaces; other errors unchanged. */
export function hostNetworkingAppError(err: unknown, hostName: string): unknown {
  if (err instanceof BridgeSetupError) return new AppError(CODES[err.code] ?? 'bridge_setup_failed', `Host '${hostName}': ${err.message}`);
  if (err instanceof ExecError) return new AppError('bridge_setup_failed', `Host '${hostName}': running \`ip\` failed (${err.message.split('\n')[0]}).`);
  if (err instanceof AgentUnreachableError || err instanceof HypervisorUnavailableError) return new AppError('host_offline', `Host '${hostName}' is not reachable right now; try again shortly.`);
  return err;
}

/** Host interfaces and bridge-setup. */
export class HostNetworkingService {
  private readonly running = new Set<string>();

  constructor(
    private readonly hosts: HostsService,
    private readonly agents: HostAgents,
    private readonly audit: AuditService,
  ) {}

  async interfaces(hostIdOrName: string): Promise<HostInterface[]> {
    const { host, agent } = this.agentOf(hostIdOrName);
    return this.call(host.name, () => agent.networks.interfaces());
  }

  /** The plan, or with `confirm` the change itself (one at a time per host). */
  async bridgeSetup(hostIdOrName: string, input: { nic: string; bridge: string; confirm: boolean }, actor: Actor): Promise<BridgeSetupResult> {
    const { host, agent } = this.agentOf(hostIdOrName);
    if (this.running.has(host.id)) throw new AppError('host_busy', `Host '${host.name}' is already changing its interfaces; try again when that is done.`);
    this.running.add(host.id);
    try {
      const result = await this.call(host.name, () => agent.networks.bridgeSetup(input.nic, input.bridge, input.confirm));
      if (result.applied) this.audit.record(actor, 'bridge-setup', 'host', host.id, `${input.nic} → ${input.bridge}`);
      return result;
    } finally {
      this.running.delete(host.id);
    }
  }

  private agentOf(hostIdOrName: string) {
    const host = this.hosts.get(hostIdOrName);
    const agent = this.hosts.isOnline(host.id) ? this.agents.find(host.id) : undefined;
    if (!agent) throw new AppError('host_offline', `Host '${host.name}' is offline.`);
    return { host, agent };
  }

  private async call<T>(hostName: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw hostNetworkingAppError(err, hostName);
    }
  }
}
