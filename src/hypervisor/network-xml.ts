/**
 * Virtual networks (libvirt's network driver) as plain specs and their XML: a NAT network with
 * its own bridge, the host's address in its subnet, and DHCP serving either a dynamic range,
 * only reserved hosts, or nothing (addresses come from cloud-init). Pure; golden-tested.
 */
import { isIP } from 'node:net';
import { HypervisorError } from './errors.js';
import { el, renderXml } from './xml.js';

/** One DHCP reservation: this MAC always gets this address (and hostname). */
export interface DhcpHost {
  mac: string;
  ip: string;
  name?: string;
}

/** A NAT network as a host's hypervisor runs it. */
export interface VirtualNetworkSpec {
  /** libvirt network name (`ob-net_…`). */
  name: string;
  /** Bridge device libvirt creates (at most 15 characters). */
  bridge: string;
  /** The host's address on the network: the guests' gateway and DNS. */
  gateway: string;
  prefix: number;
  /** DHCP: hand out a dynamic range, only the reserved hosts, or nothing at all. */
  dhcp: { kind: 'range'; start: string; end: string } | { kind: 'reserved' } | { kind: 'off' };
  hosts: DhcpHost[];
}

/** What the hypervisor reports about a virtual network. */
export interface VirtualNetworkState {
  name: string;
  active: boolean;
  bridge: string;
}

/** A lease dnsmasq gave out on a virtual network. */
export interface DhcpLease {
  mac: string;
  ip: string;
  hostname?: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const fail = (message: string): never => {
  throw new HypervisorError(`invalid network spec: ${message}`);
};

/** The dotted netmask of a prefix length. */
export function netmaskOf(prefix: number): string {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [mask >>> 24, (mask >>> 16) & 255, (mask >>> 8) & 255, mask & 255].join('.');
}

/** Throws unless the spec turns into valid, safe XML. */
export function validateNetworkSpec(spec: VirtualNetworkSpec): void {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(spec.name)) fail(`name ${JSON.stringify(spec.name)} must use A-Z a-z 0-9 _ . -`);
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(spec.bridge)) fail(`bridge ${JSON.stringify(spec.bridge)} must have 1-15 characters from A-Z a-z 0-9 _ . -`);
  if (isIP(spec.gateway) !== 4) fail(`gateway ${JSON.stringify(spec.gateway)} is not an IPv4 address`);
  if (!Number.isInteger(spec.prefix) || spec.prefix < 8 || spec.prefix > 30) fail(`prefix ${spec.prefix} must be 8-30`);
  if (spec.dhcp.kind === 'range' && (isIP(spec.dhcp.start) !== 4 || isIP(spec.dhcp.end) !== 4)) fail('the DHCP range needs two IPv4 addresses');
  for (const h of spec.hosts) {
    if (!MAC_RE.test(h.mac)) fail(`MAC ${JSON.stringify(h.mac)} is not lower-case aa:bb:cc:dd:ee:ff`);
    if (isIP(h.ip) !== 4) fail(`host address ${JSON.stringify(h.ip)} is not IPv4`);
    if (h.name !== undefined && !/^[A-Za-z0-9-]{1,63}$/.test(h.name)) fail(`host name ${JSON.stringify(h.name)} is not a hostname label`);
  }
}

/** The `<host>` element of one reservation (also what virNetworkUpdate takes). */
export function dhcpHostXml(host: DhcpHost): string {
  return renderXml(el('host', { mac: host.mac, name: host.name, ip: host.ip }));
}

/** The network XML for virNetworkDefineXML. */
export function buildNetworkXml(spec: VirtualNetworkSpec): string {
  validateNetworkSpec(spec);
  const dhcp =
    spec.dhcp.kind !== 'off' &&
    el(
      'dhcp',
      {},
      // Without a range, libvirt's dnsmasq answers only the hosts listed (dhcp-range …,static).
      spec.dhcp.kind === 'range' && el('range', { start: spec.dhcp.start, end: spec.dhcp.end }),
      spec.hosts.map((h) => el('host', { mac: h.mac, name: h.name, ip: h.ip })),
    );
  return renderXml(
    el(
      'network',
      {},
      el('name', {}, spec.name),
      el('forward', { mode: 'nat' }),
      el('bridge', { name: spec.bridge, stp: 'on', delay: '0' }),
      el('ip', { address: spec.gateway, netmask: netmaskOf(spec.prefix) }, dhcp),
    ),
  );
}

/** The DHCP hosts listed in a network's XML (as libvirt returns it). */
export function parseDhcpHosts(xml: string): DhcpHost[] {
  const hosts: DhcpHost[] = [];
  for (const m of xml.matchAll(/<host\s([^>]*?)\/?>/g)) {
    const attr = (n: string) => new RegExp(`\\b${n}=['"]([^'"]*)['"]`).exec(m[1])?.[1];
    const mac = attr('mac');
    const ip = attr('ip');
    if (mac && ip) hosts.push({ mac: mac.toLowerCase(), ip, ...(attr('name') ? { name: attr('name') } : {}) });
  }
  return hosts;
}
