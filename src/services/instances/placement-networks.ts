/**
 * Which of a new instance's networks each candidate host lacks, for the scheduler. A NAT network
 * is made by libvirt on whichever host needs it, so only bridged networks count: their bridge
 * must exist on the host (and onebox's DHCP run there, when the network has an address pool).
 */
import type { HostsService } from '../hosts.js';
import type { NetworksService } from '../networks.js';

/** Host id → names of the instance's bridged networks that are not up on it; hosts with none missing are left out. */
export async function missingNetworksByHost(
  networks: Pick<NetworksService, 'get' | 'hostStates'>,
  hosts: Pick<HostsService, 'attachedAgentsById'>,
  hostIds: string[],
  networkRefs: (string | null | undefined)[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const refs = [...new Set(networkRefs.filter((r): r is string => !!r))];
  const bridged = refs.map((r) => networks.get(r)).filter((n) => n.kind === 'bridged');
  if (!bridged.length) return out;
  const wanted = new Set(hostIds);
  const agents = new Map([...hosts.attachedAgentsById()].filter(([, id]) => wanted.has(id)));
  for (const net of bridged) {
    for (const state of await networks.hostStates(net.id, agents)) {
      if (!state.active) out.set(state.hostId, [...(out.get(state.hostId) ?? []), net.name]);
    }
  }
  return out;
}
