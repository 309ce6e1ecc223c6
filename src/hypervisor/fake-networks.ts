/**
 * In-memory virtual networks with libvirt's semantics (defined vs. active, reservations kept
 * across a redefine), for the fake hypervisor. Every reserved host "has a lease" while the
 * network runs: a fake guest asks for DHCP the moment it exists.
 */
import type { VirtualNetworks } from './driver.js';
import { HypervisorError } from './errors.js';
import { buildNetworkXml, type DhcpHost, type DhcpLease, type VirtualNetworkSpec, type VirtualNetworkState } from './network-xml.js';

interface FakeNetwork {
  spec: VirtualNetworkSpec;
  active: boolean;
}

/** Fake libvirt networks. */
export class FakeNetworks implements VirtualNetworks {
  private readonly nets = new Map<string, FakeNetwork>();
  /** How many times each network was started (tests check that a reservation change does not restart it). */
  readonly starts = new Map<string, number>();

  async define(spec: VirtualNetworkSpec): Promise<void> {
    buildNetworkXml(spec); // same validation as the real driver
    const existing = this.nets.get(spec.name);
    this.nets.set(spec.name, { spec: structuredClone(spec), active: existing?.active ?? false });
  }

  async start(name: string): Promise<void> {
    const net = this.get(name);
    if (net.active) return;
    net.active = true;
    this.starts.set(name, (this.starts.get(name) ?? 0) + 1);
  }

  async find(name: string): Promise<VirtualNetworkState | undefined> {
    const net = this.nets.get(name);
    return net && { name, active: net.active, bridge: net.spec.bridge };
  }

  async hosts(name: string): Promise<DhcpHost[]> {
    return structuredClone(this.get(name).spec.hosts);
  }

  async setHosts(name: string, hosts: DhcpHost[]): Promise<void> {
    this.get(name).spec.hosts = structuredClone(hosts);
  }

  async remove(name: string): Promise<void> {
    this.nets.delete(name);
  }

  async leases(name: string): Promise<DhcpLease[]> {
    const net = this.nets.get(name);
    if (!net?.active) return [];
    return net.spec.hosts.map((h) => ({ mac: h.mac, ip: h.ip, ...(h.name ? { hostname: h.name } : {}), expiresAt: Math.floor(Date.now() / 1000) + 3600 }));
  }

  private get(name: string): FakeNetwork {
    const net = this.nets.get(name);
    if (!net) throw new HypervisorError(`network '${name}' is not defined`, 43);
    return net;
  }
}
