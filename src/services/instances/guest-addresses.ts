/**
 * The addresses a running guest really has: what its QEMU guest agent reports (every interface
 * and address, static ones included) or, when no agent answers, what the DHCP servers of its
 * networks leased to its NICs' MACs. Loopback is left out: it says nothing about reachability.
 */
import { GuestAgentUnavailableError } from '../../hypervisor/errors.js';
import type { GuestInterfaceInfo } from '../../hypervisor/types.js';
import { AppError } from '../../lib/errors.js';
import { parseCidr } from '../../shared/ipv4.js';
import type { GuestAddresses, GuestInterface } from '../../shared/networks.js';
import type { AddressPoolsService } from '../address-pools.js';
import { callAgent } from '../agent-errors.js';
import type { NetworksService } from '../networks.js';
import type { InstanceNics } from './nics.js';
import type { InstanceRuntime } from './runtime.js';
import type { InstanceStore } from './store.js';

const isLoopback = (i: GuestInterfaceInfo) => i.name === 'lo' || i.mac === null || i.mac === '00:00:00:00:00:00';

/** The agent's interfaces as the API shows them, loopback left out. Pure. */
export function presentAgentInterfaces(interfaces: GuestInterfaceInfo[]): GuestInterface[] {
  return interfaces.filter((i) => !isLoopback(i)).map((i) => ({ name: i.name, mac: i.mac ?? '', addresses: i.addresses }));
}

/** Reads guests' addresses. */
export class GuestAddressesService {
  constructor(
    private readonly store: InstanceStore,
    private readonly runtime: InstanceRuntime,
    private readonly nics: InstanceNics,
    private readonly networks: NetworksService,
    private readonly addressPools: AddressPoolsService,
  ) {}

  /** The running instance's interfaces and addresses. */
  async of(idOrName: string): Promise<GuestAddresses> {
    const row = this.store.get(idOrName);
    if (row.state !== 'running')
      throw new AppError('instance_not_running', `Instance '${row.name}' is ${row.state}; a guest reports its addresses only while it runs.`);
    const agent = this.runtime.agentFor(row);
    const fromAgent = await callAgent(row.name, async () => {
      try {
        return await agent.domains.guestInterfaces(row.domainName);
      } catch (err) {
        if (err instanceof GuestAgentUnavailableError) return undefined;
        throw err;
      }
    });
    if (fromAgent) return { source: 'agent', items: presentAgentInterfaces(fromAgent) };
    return { source: 'leases', items: await this.fromLeases(row.id) };
  }

  /** Each NIC with what the DHCP server of its network leased to its MAC. */
  private async fromLeases(instanceId: string): Promise<GuestInterface[]> {
    const nics = this.nics.list(instanceId);
    const leases = new Map(await Promise.all([...new Set(nics.map((n) => n.networkId))].map(async (id) => [id, await this.networks.leases(id)] as const)));
    return nics.map((nic) => {
      const prefix = this.prefixOf(nic.networkId, nic.addressPoolId);
      const mine = (leases.get(nic.networkId) ?? []).filter((l) => l.mac.toLowerCase() === nic.mac);
      return { name: null, mac: nic.mac, addresses: mine.map((l) => ({ address: l.ip, prefix, family: 'ipv4' as const })) };
    });
  }

  /** The prefix length of a NIC's subnet: its address pool's, else its NAT network's; null when onebox does not know it. */
  private prefixOf(networkId: string, addressPoolId: string | null): number | null {
    if (addressPoolId) return this.addressPools.get(addressPoolId).ranges[0]?.prefix ?? null;
    const subnet = this.networks.get(networkId).subnet;
    return subnet ? (parseCidr(subnet)?.prefix ?? null) : null;
  }
}
