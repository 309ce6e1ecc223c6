/**
 * libvirt's network driver over the RPC connection: define NAT networks from a spec, start and
 * remove them, keep their DHCP reservations in step (added and removed live, no restart, so
 * no lease is lost), and read dnsmasq's leases.
 */
import { HypervisorError } from '../errors.js';
import { buildNetworkXml, dhcpHostXml, parseDhcpHosts, type DhcpHost, type DhcpLease, type VirtualNetworkSpec, type VirtualNetworkState } from '../network-xml.js';
import type { LibvirtConnection } from './connection.js';
import { VirErrorNumber } from './libvirt-errors.js';
import type { RemoteNonnullNetwork } from './protocol.generated.js';

// From libvirt-network.h (stable ABI).
const UPDATE_DELETE = 2;
const UPDATE_ADD_LAST = 3;
const SECTION_IP_DHCP_HOST = 4;
const AFFECT_LIVE = 1;
const AFFECT_CONFIG = 2;

/** Network operations of one libvirt connection. */
export class LibvirtNetworks {
  constructor(private readonly connection: LibvirtConnection) {}

  /** Defines the network (or redefines its configuration) and marks it to start with libvirtd; does not start it. */
  async define(spec: VirtualNetworkSpec): Promise<void> {
    const { net } = await this.connection.call('NETWORK_DEFINE_XML', { xml: buildNetworkXml(spec) });
    await this.connection.call('NETWORK_SET_AUTOSTART', { net, autostart: 1 });
  }

  /** Starts a defined network unless it runs already. */
  async start(name: string): Promise<void> {
    const net = await this.lookup(name);
    if (!net) throw new HypervisorError(`network '${name}' is not defined`, VirErrorNumber.VIR_ERR_NO_NETWORK);
    if ((await this.connection.call('NETWORK_IS_ACTIVE', { net })).active) return;
    await this.connection.call('NETWORK_CREATE', { net });
  }

  async find(name: string): Promise<VirtualNetworkState | undefined> {
    const net = await this.lookup(name);
    if (!net) return undefined;
    const [{ active }, { xml }] = await Promise.all([this.connection.call('NETWORK_IS_ACTIVE', { net }), this.connection.call('NETWORK_GET_XML_DESC', { net, flags: 0 })]);
    return { name, active: active !== 0, bridge: /<bridge\s[^>]*name=['"]([^'"]+)['"]/.exec(xml)?.[1] ?? '' };
  }

  async hosts(name: string): Promise<DhcpHost[]> {
    const net = await this.lookup(name);
    if (!net) throw new HypervisorError(`network '${name}' is not defined`, VirErrorNumber.VIR_ERR_NO_NETWORK);
    return parseDhcpHosts((await this.connection.call('NETWORK_GET_XML_DESC', { net, flags: 0 })).xml);
  }

  /** Makes the network's DHCP reservations exactly `hosts`: removes the others and adds the missing, live when it runs. */
  async setHosts(name: string, hosts: DhcpHost[]): Promise<void> {
    const net = await this.lookup(name);
    if (!net) throw new HypervisorError(`network '${name}' is not defined`, VirErrorNumber.VIR_ERR_NO_NETWORK);
    const { active } = await this.connection.call('NETWORK_IS_ACTIVE', { net });
    const flags = AFFECT_CONFIG | (active ? AFFECT_LIVE : 0);
    // Live and configured reservations are always changed together, so the live XML lists both.
    const { xml } = await this.connection.call('NETWORK_GET_XML_DESC', { net, flags: 0 });
    const current = parseDhcpHosts(xml);
    const same = (a: DhcpHost, b: DhcpHost) => a.mac === b.mac && a.ip === b.ip && (a.name ?? '') === (b.name ?? '');
    for (const old of current.filter((c) => !hosts.some((h) => same(c, h))))
      await this.update(net, UPDATE_DELETE, old, flags);
    for (const host of hosts.filter((h) => !current.some((c) => same(c, h)))) await this.update(net, UPDATE_ADD_LAST, host, flags);
  }

  /** Stops (when running) and undefines the network; a missing one is fine. */
  async remove(name: string): Promise<void> {
    const net = await this.lookup(name);
    if (!net) return;
    if ((await this.connection.call('NETWORK_IS_ACTIVE', { net })).active) await this.connection.call('NETWORK_DESTROY', { net });
    await this.connection.call('NETWORK_UNDEFINE', { net });
  }

  /** The leases dnsmasq handed out on the network. */
  async leases(name: string): Promise<DhcpLease[]> {
    const net = await this.lookup(name);
    if (!net) return [];
    const { leases } = await this.connection.call('NETWORK_GET_DHCP_LEASES', { net, mac: null, need_results: 1, flags: 0 });
    return leases.map((l) => ({ mac: (l.mac ?? '').toLowerCase(), ip: l.ipaddr, ...(l.hostname ? { hostname: l.hostname } : {}), expiresAt: Number(l.expirytime) }));
  }

  private async update(net: RemoteNonnullNetwork, command: number, host: DhcpHost, flags: number): Promise<void> {
    await this.connection.call('NETWORK_UPDATE', { net, command, section: SECTION_IP_DHCP_HOST, parentIndex: -1, xml: dhcpHostXml(host), flags });
  }

  private async lookup(name: string): Promise<RemoteNonnullNetwork | undefined> {
    try {
      return (await this.connection.call('NETWORK_LOOKUP_BY_NAME', { name })).net;
    } catch (err) {
      if (err instanceof HypervisorError && err.libvirtCode === VirErrorNumber.VIR_ERR_NO_NETWORK) return undefined;
      throw err;
    }
  }
}
