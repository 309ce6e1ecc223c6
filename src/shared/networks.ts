/**
 * Networks, address pools and NICs: request schemas, the pure checks of an address pool's
 * ranges (shared by the server, which enforces them, and the UI, which shows them as you type),
 * and response shapes.
 */
import * as z from 'zod';
import { inSubnet, networkOf, parseCidr, parseIpv4 } from './ipv4.js';
import { instanceNameSchema, ipv4Schema } from './instances.js';

/** Names of networks and address pools: like instance names. */
export const networkNameSchema = instanceNameSchema;

const ipv4 = ipv4Schema;
/** Create a network: a private NAT network (its own subnet, DHCP and masquerade) or a bridge onto the LAN. */
export const createNetworkSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('nat'),
      name: networkNameSchema,
      /** e.g. 10.42.0.0/24; default: a /24 that collides with no route of any host and no other network. */
      subnet: z
        .string()
        .refine((s) => parseCidr(s) !== undefined, 'The subnet must be a network in CIDR form like 10.42.0.0/24.')
        .refine((s) => (parseCidr(s)?.prefix ?? 0) >= 16 && (parseCidr(s)?.prefix ?? 0) <= 29, 'The subnet must be between /16 and /29.')
        .optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('bridged'),
      name: networkNameSchema,
      /** An existing Linux bridge on every host (onebox never changes it; `onebox network bridge-setup` makes one). */
      bridge: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'A bridge name has 1-15 letters, digits, ".", "_" or "-".'),
    })
    .strict(),
]);

/** One range of an address pool. */
export const addressRangeSchema = z.object({ start: ipv4('The range start'), end: ipv4('The range end'), prefix: z.number().int().min(8).max(30) }).strict();

/** Create an address pool on a network. */
export const createAddressPoolSchema = z
  .object({
    name: networkNameSchema,
    network: z.string().min(1),
    /** dhcp: onebox's DHCP server hands each NIC its reserved address; static: the address is written into cloud-init's network config. */
    mode: z.enum(['dhcp', 'static']).default('dhcp'),
    gateway: ipv4('The gateway'),
    dnsServers: z.array(ipv4('A DNS server')).max(4).default([]),
    ranges: z.array(addressRangeSchema).min(1, 'Give at least one range.').max(32),
  })
  .strict();

/** Change an address pool: its ranges (a range with allocations cannot go) and DNS servers. */
export const updateAddressPoolSchema = z
  .object({ dnsServers: z.array(ipv4('A DNS server')).max(4).optional(), ranges: z.array(addressRangeSchema).min(1).max(32).optional() })
  .strict();

/** Set a compute pool's network and address pool. */
export const poolNetworkSchema = z
  .object({ network: z.string().min(1).nullable(), addressPool: z.string().min(1).nullable().optional() })
  .strict();

export type CreateNetworkInput = z.infer<typeof createNetworkSchema>;
export type CreateAddressPoolInput = z.infer<typeof createAddressPoolSchema>;
export type AddressRangeInput = z.infer<typeof addressRangeSchema>;

/** A problem with one field of an address pool. */
export interface RangeProblem {
  field: string;
  message: string;
  /** True for conflicts with other pools (409), false for inconsistencies of the request itself (400). */
  conflict: boolean;
}

/** A range in numbers. */
export interface NumericRange {
  start: number;
  end: number;
}

/** Turns ranges into numbers (already validated by the schema). */
export function numericRanges(ranges: AddressRangeInput[]): NumericRange[] {
  return ranges.map((r) => ({ start: parseIpv4(r.start) ?? 0, end: parseIpv4(r.end) ?? 0 }));
}

/**
 * The checks of an address pool, pure: every range inside the gateway's subnet (one subnet for
 * all), start not after end, the gateway in no range, no two ranges overlapping, none overlapping
 * another pool's ranges on the same network, and inside the network's own subnet for NAT networks.
 */
export function checkAddressPool(
  pool: { gateway: string; ranges: AddressRangeInput[] },
  context: { otherRanges: { pool: string; range: NumericRange }[]; networkSubnet?: { network: number; prefix: number } },
): RangeProblem[] {
  const problems: RangeProblem[] = [];
  const gateway = parseIpv4(pool.gateway) ?? 0;
  const prefixes = new Set(pool.ranges.map((r) => r.prefix));
  if (prefixes.size > 1) problems.push({ field: 'ranges', message: `All ranges must be in one subnet with the gateway; they give prefixes ${[...prefixes].join(', ')}.`, conflict: false });
  const subnet = { network: networkOf(gateway, pool.ranges[0]?.prefix ?? 24), prefix: pool.ranges[0]?.prefix ?? 24 };
  if (context.networkSubnet && !inSubnet(gateway, context.networkSubnet))
    problems.push({ field: 'gateway', message: `The gateway ${pool.gateway} is outside the network's subnet.`, conflict: false });
  const ranges = numericRanges(pool.ranges);
  ranges.forEach((r, i) => {
    const field = `ranges.${i}`;
    const text = `${pool.ranges[i].start}–${pool.ranges[i].end}`;
    if (r.start > r.end) problems.push({ field, message: `The range ${text} starts after it ends.`, conflict: false });
    if (!inSubnet(r.start, subnet) || !inSubnet(r.end, subnet))
      problems.push({ field, message: `The range ${text} is outside the gateway's subnet ${pool.gateway}/${subnet.prefix}.`, conflict: false });
    if (context.networkSubnet && (!inSubnet(r.start, context.networkSubnet) || !inSubnet(r.end, context.networkSubnet)))
      problems.push({ field, message: `The range ${text} is outside the network's subnet.`, conflict: false });
    if (gateway >= r.start && gateway <= r.end) problems.push({ field, message: `The gateway ${pool.gateway} lies inside the range ${text}.`, conflict: false });
    ranges.forEach((o, j) => {
      if (j > i && r.start <= o.end && o.start <= r.end) problems.push({ field, message: `The ranges ${text} and ${pool.ranges[j].start}–${pool.ranges[j].end} overlap.`, conflict: false });
    });
    for (const other of context.otherRanges)
      if (r.start <= other.range.end && other.range.start <= r.end)
        problems.push({ field, message: `The range ${text} overlaps a range of address pool '${other.pool}' on the same network.`, conflict: true });
  });
  return problems;
}

/** A network as the API shows it. */
export interface Network {
  id: string;
  name: string;
  kind: 'nat' | 'bridged';
  /** The Linux bridge guests attach to. */
  bridge: string;
  /** NAT networks: their subnet (`10.42.0.0/24`) and gateway (the host's address in it). */
  subnet: string | null;
  gateway: string | null;
  createdAt: string;
  /** Per host: whether the network is up there, and why not. */
  hosts: { hostId: string; active: boolean; detail: string }[];
}

/** An address pool as the API shows it. */
export interface AddressPool {
  id: string;
  name: string;
  networkId: string;
  mode: 'dhcp' | 'static';
  gateway: string;
  dnsServers: string[];
  ranges: AddressRangeInput[];
  /** Addresses in all ranges, and how many are allocated. */
  size: number;
  allocated: number;
  createdAt: string;
}

/** One allocation of an address pool. */
export interface AddressAllocation {
  address: string;
  mac: string;
  instanceId: string;
  instanceName: string;
  nicId: string;
}

/** A NIC of an instance. */
export interface Nic {
  id: string;
  instanceId: string;
  /** 0 for the first NIC (eth0 / ens3 in most guests). */
  position: number;
  networkId: string;
  mac: string;
  addressPoolId: string | null;
  /** The allocated address, when the NIC has one from an address pool. */
  address: string | null;
}


/** A lease handed out on a network (GET /networks/:id/leases). */
export interface NetworkLease {
  mac: string;
  ip: string;
  hostname?: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** One address a guest reports on one of its interfaces. */
export interface GuestAddress {
  address: string;
  /** The prefix length; null when only a DHCP lease is known and onebox does not know the subnet (a bridged network without address pool). */
  prefix: number | null;
  family: 'ipv4' | 'ipv6';
}

/** One interface of a running guest with the addresses it has. */
export interface GuestInterface {
  /** The name inside the guest (eth0, ens3), when the guest agent tells it. */
  name: string | null;
  mac: string;
  addresses: GuestAddress[];
}

/**
 * GET /instances/:id/guest-addresses: what the guest itself reports through the QEMU guest
 * agent (`source: 'agent'`) or, without an agent, what the DHCP servers leased to its NICs
 * (`source: 'leases'`; static addresses are not seen then).
 */
export interface GuestAddresses {
  source: 'agent' | 'leases';
  items: GuestInterface[];
}
