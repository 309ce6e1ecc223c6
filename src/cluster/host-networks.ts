/**
 * Networks on one host: NAT networks through libvirt's network driver (bridge, dnsmasq and
 * masquerade are libvirt's), bridged networks on an existing bridge (never changed) with
 * onebox's own dnsmasq when an address pool serves DHCP. Reservations change live.
 */
import type { HypervisorDriver } from '../hypervisor/driver.js';
import type { DhcpHost, DhcpLease } from '../hypervisor/network-xml.js';
import { broadcastOf, formatIpv4, maskOf, networkOf, parseIpv4 } from '../shared/ipv4.js';
import type { DnsmasqSupervisor } from '../network/dnsmasq.js';
import { releaseLease } from '../network/dhcp-release.js';
import type { IpTool } from '../network/ip-tool.js';
import type { BridgeSetupResult, HostInterface } from '../shared/hosts.js';
import type { HostNetworkSpec, HostNetworkState } from './agent-types.js';
import type { HostBridges } from './host-bridges.js';
import type { NetworksApi } from './host-agent.js';

/** libvirt's name of a NAT network. */
export const libvirtNetworkName = (id: string) => `ob-${id}`;

/** The networks of one host. */
export class HostNetworks implements NetworksApi {
  /** What each network was last ensured as (reservations are applied the same way later). */
  private readonly specs = new Map<string, HostNetworkSpec>();

  constructor(
    private readonly hypervisor: HypervisorDriver,
    private readonly dnsmasq: DnsmasqSupervisor,
    private readonly ip: IpTool,
    /** The host's interfaces and bridge-setup. */
    private readonly bridges: HostBridges,
    /** Command prefix for dhcp_release (a lab's namespace). */
    private readonly prefix: string[] = [],
  ) {}

  interfaces(): Promise<HostInterface[]> {
    return this.bridges.interfaces();
  }

  bridgeSetup(nic: string, bridge: string, apply: boolean): Promise<BridgeSetupResult> {
    return this.bridges.setup(nic, bridge, apply);
  }

  async ensure(spec: HostNetworkSpec): Promise<HostNetworkState> {
    const state = await this.apply(spec);
    if (state.active && spec.reservations.length) await this.releaseStaleLeases(spec);
    return state;
  }

  /**
   * A reserved address still leased to another MAC (a deleted instance's guest) is released, so
   * the instance it is reserved for now gets it at once instead of when the old lease expires.
   */
  private async releaseStaleLeases(spec: HostNetworkSpec): Promise<void> {
    const reservedFor = new Map(spec.reservations.map((r) => [r.ip, r.mac]));
    for (const lease of await this.leases(spec.id).catch(() => [])) {
      const mac = reservedFor.get(lease.ip);
      if (mac && mac !== lease.mac) await releaseLease(spec.bridge, lease.ip, lease.mac, this.prefix).catch(() => undefined);
    }
  }

  private async apply(spec: HostNetworkSpec): Promise<HostNetworkState> {
    this.specs.set(spec.id, spec);
    if (spec.kind === 'nat') {
      const name = libvirtNetworkName(spec.id);
      // The base of a NAT network never changes after it is made; only its reservations do (live).
      if (await this.hypervisor.networks.find(name)) await this.hypervisor.networks.setHosts(name, spec.reservations);
      else await this.hypervisor.networks.define({ name, bridge: spec.bridge, gateway: spec.gateway, prefix: spec.prefix, dhcp: spec.dhcp, hosts: spec.reservations });
      await this.hypervisor.networks.start(name);
      return this.state(spec.id);
    }
    const state = await this.bridgedState(spec);
    if (!state.active || !spec.dhcp) return state;
    const served = await this.servedSubnet(spec);
    if (!served) return { id: spec.id, active: false, detail: `The bridge ${spec.bridge} has no address in ${spec.dhcp.gateway}/${spec.dhcp.prefix}, so DHCP cannot be served on it.` };
    await this.dnsmasq.ensure(spec.id, { interface: spec.bridge, ...served, gateway: spec.dhcp.gateway, dnsServers: spec.dhcp.dnsServers }, spec.reservations);
    return this.state(spec.id);
  }

  async setReservations(networkId: string, reservations: DhcpHost[]): Promise<void> {
    const spec = this.specs.get(networkId);
    if (!spec) throw new Error(`network ${networkId} was not set up on this host yet`);
    await this.ensure({ ...spec, reservations } as HostNetworkSpec);
  }

  async remove(networkId: string): Promise<void> {
    const spec = this.specs.get(networkId);
    this.specs.delete(networkId);
    await this.hypervisor.networks.remove(libvirtNetworkName(networkId));
    if (spec?.kind !== 'nat') await this.dnsmasq.remove(networkId);
  }

  async state(networkId: string): Promise<HostNetworkState> {
    const spec = this.specs.get(networkId);
    if (!spec) return { id: networkId, active: false, detail: 'Not set up on this host yet.' };
    if (spec.kind === 'nat') {
      const net = await this.hypervisor.networks.find(libvirtNetworkName(networkId));
      return { id: networkId, active: net?.active === true, detail: net?.active ? `NAT on ${net.bridge}` : 'The libvirt network is not running.' };
    }
    const bridge = await this.bridgedState(spec);
    if (!bridge.active || !spec.dhcp) return bridge;
    const dhcp = this.dnsmasq.state(networkId);
    return dhcp.running
      ? { id: networkId, active: true, detail: `Bridged on ${spec.bridge}; onebox's DHCP serves ${spec.reservations.length} reservation(s)${dhcp.restarts ? ` (restarted ${dhcp.restarts}×)` : ''}` }
      : { id: networkId, active: false, detail: `onebox's DHCP server on ${spec.bridge} is not running${dhcp.lastError ? `: ${dhcp.lastError}` : ''}` };
  }

  async leases(networkId: string): Promise<DhcpLease[]> {
    const spec = this.specs.get(networkId);
    if (spec?.kind === 'nat') return this.hypervisor.networks.leases(libvirtNetworkName(networkId));
    return this.dnsmasq.leases(networkId);
  }

  /** The dnsmasq supervisor (tests kill its processes to see them come back). */
  get dhcp(): DnsmasqSupervisor {
    return this.dnsmasq;
  }

  private async bridgedState(spec: HostNetworkSpec): Promise<HostNetworkState> {
    const addresses = await this.ip.bridgeAddresses(spec.bridge);
    if (!addresses) return { id: spec.id, active: false, detail: `The bridge ${spec.bridge} does not exist on this host (\`onebox network bridge-setup\` makes one).` };
    return { id: spec.id, active: true, detail: `Bridged on ${spec.bridge}` };
  }

  /** The subnet dnsmasq serves: the bridge must carry an address in the pool's subnet. */
  private async servedSubnet(spec: HostNetworkSpec & { kind: 'bridged' }): Promise<{ network: string; netmask: string } | undefined> {
    if (!spec.dhcp) return undefined;
    const prefix = spec.dhcp.prefix;
    const subnet = networkOf(parseIpv4(spec.dhcp.gateway) ?? 0, prefix);
    const addresses = (await this.ip.bridgeAddresses(spec.bridge)) ?? [];
    const inside = addresses.some((a) => networkOf(parseIpv4(a.address) ?? 0, prefix) === subnet && broadcastOf(subnet, prefix) !== parseIpv4(a.address));
    return inside ? { network: formatIpv4(subnet), netmask: formatIpv4(maskOf(prefix)) } : undefined;
  }
}
