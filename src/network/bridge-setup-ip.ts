/**
 * The host's links, addresses and routes as iproute2 reports them (`ip -j …`), parsed into plain
 * values, and the `ip` argument arrays that recreate or delete an address or a route on a given
 * device. Pure: no command runs here.
 */
import { BridgeSetupError } from './bridge-setup-errors.js';

/** An address family as `ip -j` names it. */
export type Family = 'inet' | 'inet6';

/** A network interface. */
export interface LinkState {
  name: string;
  /** `link_type`: ether, loopback, none (tun, wireguard), … */
  linkType: string;
  /** Link kind from `ip -d`: bridge, veth, bond, vlan, …; undefined for a physical NIC. */
  kind?: string;
  mac?: string;
  mtu: number;
  /** The bridge or bond this link is enslaved to. */
  master?: string;
  up: boolean;
}

/** An address on an interface. */
export interface AddressState {
  dev: string;
  family: Family;
  local: string;
  prefixlen: number;
  /** The other end of a point-to-point address. */
  peer?: string;
  broadcast?: string;
  scope: string;
  label?: string;
  metric?: number;
  /** Seconds; 4294967295 is forever. */
  validLft: number;
  preferredLft: number;
  /** Flags `ip addr add` takes back: noprefixroute, nodad, home, mngtmpaddr, autojoin. */
  flags: string[];
}

/** A route (any table). */
export interface RouteState {
  family: Family;
  /** `default`, a prefix `a.b.c.d/n`, or a host address. */
  dst: string;
  table?: string;
  type?: string;
  gateway?: string;
  /** Its device, or the devices of its next hops (multipath). */
  devs: string[];
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  onlink: boolean;
  /** IPv6 router preference (low, medium, high). */
  pref?: string;
  /** Seconds until an IPv6 route expires. */
  expires?: number;
  /** Route metrics such as mtu, as `ip route add` names them. */
  metrics: [string, number][];
  /** Why this route could not be recreated elsewhere (multipath, nexthop objects, encapsulation, …). */
  unsupported?: string;
}

/** What one `ip -j` listing of the host says. */
export interface HostNetwork {
  links: LinkState[];
  addresses: AddressState[];
  routes: RouteState[];
}

/** The raw JSON texts of `ip -j -d link show`, `ip -j addr show`, `ip -j -4 route show table all` and `ip -j -6 …`. */
export interface IpListings {
  links: string;
  addresses: string;
  routes4: string;
  routes6: string;
}

/** Seconds meaning "forever" in address lifetimes. */
export const FOREVER = 4294967295;
const ADDRESS_FLAGS = ['noprefixroute', 'nodad', 'home', 'mngtmpaddr', 'autojoin'];
const ROUTE_KEYS = new Set(['dst', 'gateway', 'dev', 'protocol', 'scope', 'prefsrc', 'metric', 'flags', 'metrics', 'table', 'pref', 'expires', 'type']);
const ROUTE_METRICS = new Set(['mtu', 'advmss', 'window', 'cwnd', 'initcwnd', 'initrwnd', 'ssthresh', 'hoplimit', 'reordering']);

type Json = Record<string, unknown>;

function jsonArray(text: string, what: string): Json[] {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() || '[]');
  } catch {
    throw new BridgeSetupError('unexpected_ip_output', `\`ip -j\` printed something that is not JSON for ${what}: ${text.slice(0, 200)}`);
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'object' || v === null)) {
    throw new BridgeSetupError('unexpected_ip_output', `\`ip -j\` did not print a list of objects for ${what}: ${text.slice(0, 200)}`);
  }
  return value as Json[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function parseLink(j: Json): LinkState {
  const linkinfo = (j.linkinfo ?? {}) as Json;
  return {
    name: str(j.ifname) ?? '',
    linkType: str(j.link_type) ?? 'none',
    kind: str(linkinfo.info_kind),
    mac: str(j.address),
    mtu: num(j.mtu) ?? 1500,
    master: str(j.master),
    up: Array.isArray(j.flags) && j.flags.includes('UP'),
  };
}

function parseAddress(dev: string, a: Json): AddressState {
  return {
    dev,
    family: a.family === 'inet6' ? 'inet6' : 'inet',
    local: str(a.local) ?? '',
    prefixlen: num(a.prefixlen) ?? 0,
    peer: str(a.address),
    broadcast: str(a.broadcast),
    scope: str(a.scope) ?? 'global',
    label: str(a.label),
    metric: num(a.metric),
    validLft: num(a.valid_life_time) ?? FOREVER,
    preferredLft: num(a.preferred_life_time) ?? FOREVER,
    flags: ADDRESS_FLAGS.filter((f) => a[f] === true),
  };
}

/** Why a route cannot be recreated by {@link routeArgs}, or undefined when it can. */
function unsupportedReason(r: Json): string | undefined {
  if (Array.isArray(r.nexthops)) return 'it has several next hops (multipath)';
  const unknown = Object.keys(r).filter((k) => !ROUTE_KEYS.has(k));
  if (unknown.length > 0) return `it has attributes bridge-setup does not recreate (${unknown.join(', ')})`;
  if (r.type !== undefined && r.type !== 'unicast') return `it is a ${String(r.type)} route`;
  const metrics = Array.isArray(r.metrics) ? (r.metrics as Json[]).flatMap((m) => Object.entries(m)) : [];
  const odd = metrics.filter(([k, v]) => !ROUTE_METRICS.has(k) || typeof v !== 'number');
  return odd.length > 0 ? `it has route metrics bridge-setup does not recreate (${odd.map(([k]) => k).join(', ')})` : undefined;
}

function parseRoute(family: Family, r: Json): RouteState {
  const nexthops = Array.isArray(r.nexthops) ? (r.nexthops as Json[]) : [];
  const devs = [str(r.dev), ...nexthops.map((h) => str(h.dev))].filter((d): d is string => d !== undefined);
  const metrics = Array.isArray(r.metrics) ? (r.metrics as Json[]).flatMap((m) => Object.entries(m)) : [];
  return {
    family,
    dst: str(r.dst) ?? 'default',
    table: str(r.table),
    type: str(r.type),
    gateway: str(r.gateway),
    devs,
    protocol: str(r.protocol),
    scope: str(r.scope),
    prefsrc: str(r.prefsrc),
    metric: num(r.metric),
    onlink: Array.isArray(r.flags) && r.flags.includes('onlink'),
    pref: str(r.pref),
    expires: num(r.expires),
    metrics: metrics.filter((m): m is [string, number] => typeof m[1] === 'number'),
    unsupported: unsupportedReason(r),
  };
}

/** Parses the four `ip -j` listings of the host. */
export function parseHostNetwork(raw: IpListings): HostNetwork {
  const links = jsonArray(raw.links, 'the links');
  const addressLinks = jsonArray(raw.addresses, 'the addresses');
  return {
    links: links.map(parseLink),
    addresses: addressLinks.flatMap((l) => (Array.isArray(l.addr_info) ? (l.addr_info as Json[]) : []).map((a) => parseAddress(str(l.ifname) ?? '', a))),
    routes: [
      ...jsonArray(raw.routes4, 'the IPv4 routes').map((r) => parseRoute('inet', r)),
      ...jsonArray(raw.routes6, 'the IPv6 routes').map((r) => parseRoute('inet6', r)),
    ],
  };
}

const familyFlag = (family: Family) => (family === 'inet6' ? '-6' : '-4');

/** The address as `ip addr` writes it: `local[/prefixlen]` or `local peer peer/prefixlen`. */
function addressSpec(a: AddressState): string[] {
  return a.peer !== undefined ? [a.local, 'peer', `${a.peer}/${a.prefixlen}`] : [`${a.local}/${a.prefixlen}`];
}

/** `ip` arguments that add address `a` to `dev` with the same attributes but `label` (undefined: the device's name). */
export function addressAddArgs(a: AddressState, dev: string, label: string | undefined): string[] {
  const args = [familyFlag(a.family), 'addr', 'add', ...addressSpec(a)];
  if (a.broadcast !== undefined) args.push('broadcast', a.broadcast);
  if (label !== undefined && label !== dev) args.push('label', label);
  args.push('scope', a.scope);
  if (a.metric !== undefined) args.push('metric', String(a.metric));
  if (a.validLft !== FOREVER || a.preferredLft !== FOREVER) args.push('valid_lft', String(a.validLft), 'preferred_lft', String(a.preferredLft));
  return [...args, ...a.flags, 'dev', dev];
}

/** `ip` arguments that delete address `a` from `dev`. */
export function addressDelArgs(a: AddressState, dev: string): string[] {
  return [familyFlag(a.family), 'addr', 'del', ...addressSpec(a), 'dev', dev];
}

/** `ip` arguments that add, replace or delete route `r` through `dev` with the same attributes. */
export function routeArgs(verb: 'add' | 'replace' | 'del', r: RouteState, dev: string): string[] {
  const args = [familyFlag(r.family), 'route', verb];
  if (r.type !== undefined && r.type !== 'unicast') args.push(r.type);
  args.push(r.dst);
  if (r.table !== undefined) args.push('table', r.table);
  if (r.gateway !== undefined) args.push('via', r.gateway);
  args.push('dev', dev);
  // Without a protocol, `ip -j` means the default one, which `ip route add` also uses ("boot").
  if (r.protocol !== undefined) args.push('proto', r.protocol);
  if (r.metric !== undefined) args.push('metric', String(r.metric));
  if (verb === 'del') return args;
  if (r.scope !== undefined) args.push('scope', r.scope);
  if (r.prefsrc !== undefined) args.push('src', r.prefsrc);
  if (r.onlink) args.push('onlink');
  for (const [name, value] of r.metrics) args.push(name, String(value));
  if (r.pref !== undefined) args.push('pref', r.pref);
  if (r.expires !== undefined) args.push('expires', String(r.expires));
  return args;
}
