/**
 * Networks: the catalogue (NAT networks with a subnet chosen to collide with nothing, bridged
 * networks on an existing bridge) and what each host must run for them, rebuilt from the
 * database: the network itself and the DHCP reservations of every NIC with a dhcp-pool address.
 */
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { HostNetworkSpec } from '../cluster/agent-types.js';
import type { HostAgent } from '../cluster/host-agent.js';
import type { Db } from '../db/client.js';
import { getByIdOrName } from '../db/lookup.js';
import { addressPools, computePools, instanceNics, instances, networks } from '../db/schema.js';
import { plural } from '../lib/english.js';
import { AppError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { log } from '../lib/log.js';
import { formatCidr, formatIpv4, parseCidr, subnetsOverlap } from '../shared/ipv4.js';
import type { CreateNetworkInput } from '../shared/networks.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';

/** A network row. */
export type NetworkRow = typeof networks.$inferSelect;

/** The part of a NAT subnet libvirt's dnsmasq hands out to guests without a reserved address (the top of the subnet). */
export function natDynamicRange(subnet: string): { start: number; end: number } {
  const { network, prefix } = parseCidr(subnet) ?? { network: 0, prefix: 24 };
  const size = 2 ** (32 - prefix);
  const count = Math.max(1, Math.min(55, Math.floor(size / 4)));
  const end = network + size - 2;
  return { start: end - count + 1, end };
}

/** Subnets tried, in order, for a new NAT network. */
function* candidateSubnets(): Generator<string> {
  for (let b = 122; b < 256; b++) yield `10.${b}.0.0/24`;
  for (let c = 100; c < 256; c++) yield `192.168.${c}.0/24`;
}

/** The network catalogue and its hosts' side. */
export class NetworksService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    /** Routes of every attached host (a new NAT subnet must collide with none). */
    private readonly hostRoutes: () => string[],
    /** The agents of every attached host (networks are the same on all). */
    private readonly agents: () => HostAgent[],
  ) {}

  /** Whether the network is up on each attached host. */
  async hostStates(networkId: string, hostIds: Map<HostAgent, string>): Promise<{ hostId: string; active: boolean; detail: string }[]> {
    return Promise.all(
      [...hostIds].map(async ([agent, hostId]) => {
        const s = await agent.networks.state(networkId).catch((err: unknown) => ({ active: false, detail: `The host does not answer: ${String(err)}` }));
        return { hostId, active: s.active, detail: s.detail };
      }),
    );
  }

  /** Applies a network's current spec (its DHCP settings and reservations) to every attached host. */
  async apply(networkId: string): Promise<void> {
    // The database is the truth: a host that cannot follow now is logged, shows its state on the
    // network's page, and is brought in line by the next change or at the next start.
    await this.syncReservations(networkId, this.agents()).catch((err: unknown) => log.warn('a network is not up on every host yet', { network: networkId, error: String(err) }));
  }

  /** The leases handed out on the network, from every attached host (a host that cannot answer adds none, and says why in the log). */
  async leases(networkId: string) {
    const perHost = this.agents().map((a) =>
      a.networks.leases(networkId).catch((err: unknown) => {
        log.warn('a host could not list the leases of a network', { network: networkId, error: String(err) });
        return [];
      }),
    );
    return (await Promise.all(perHost)).flat();
  }

  list(): NetworkRow[] {
    return this.db.select().from(networks).orderBy(networks.name).all();
  }

  get(idOrName: string): NetworkRow {
    return getByIdOrName(this.db, networks, 'network', idOrName);
  }

  /** A free /24 for a NAT network: overlapping no host route and no other network. */
  chooseSubnet(): string {
    const taken = [...this.hostRoutes(), ...this.list().flatMap((n) => (n.subnet ? [n.subnet] : []))].map(parseCidr).filter((c) => c !== undefined);
    for (const candidate of candidateSubnets()) {
      const c = parseCidr(candidate);
      if (c && !taken.some((t) => subnetsOverlap(c, t))) return candidate;
    }
    throw new AppError('subnet_in_use', 'No free private /24 is left for a NAT network; give one with `subnet`.');
  }

  /** Creates a network and brings it up on every attached host. */
  async create(input: CreateNetworkInput, actor: Actor): Promise<NetworkRow> {
    if (this.db.select({ id: networks.id }).from(networks).where(eq(networks.name, input.name)).get())
      throw new AppError('network_name_taken', `A network named '${input.name}' already exists.`);
    const id = newId('net');
    const row = input.kind === 'nat' ? this.natRow(id, input.name, input.subnet) : this.bridgedRow(id, input.name, input.bridge);
    const created = this.db.insert(networks).values(row).returning().get();
    this.audit.record(actor, 'create', 'network', created.id, created.name);
    await this.apply(created.id);
    return created;
  }

  /** Deletes a network that no NIC, address pool or compute pool uses; hosts take it down. */
  async delete(idOrName: string, actor: Actor): Promise<void> {
    const agents = this.agents();
    const net = this.get(idOrName);
    const count = (table: typeof instanceNics | typeof addressPools | typeof computePools) =>
      this.db.select({ n: sql<number>`count(*)` }).from(table).where(eq(table.networkId, net.id)).get()?.n ?? 0;
    const [nics, pools, computes] = [count(instanceNics), count(addressPools), count(computePools)];
    if (nics + pools + computes > 0)
      throw new AppError('network_in_use', `Network '${net.name}' is used by ${plural(nics, 'NIC')}, ${plural(pools, 'address pool')} and ${plural(computes, 'compute pool')}; remove those first.`);
    this.db.delete(networks).where(eq(networks.id, net.id)).run();
    this.audit.record(actor, 'delete', 'network', net.id, net.name);
    await Promise.all(agents.map((a) => a.networks.remove(net.id).catch((err: unknown) => log.warn('a host could not take a network down', { network: net.id, error: String(err) }))));
  }

  /** What a host must run for the network, with every DHCP reservation of the database. */
  hostSpec(networkId: string): HostNetworkSpec {
    const net = this.db.select().from(networks).where(eq(networks.id, networkId)).get();
    if (!net) throw new AppError('network_not_found', `No network with id '${networkId}' exists.`);
    const reservations = this.db
      .select({ mac: instanceNics.mac, ip: instanceNics.address, name: instances.name })
      .from(instanceNics)
      .innerJoin(addressPools, eq(instanceNics.addressPoolId, addressPools.id))
      .innerJoin(instances, eq(instanceNics.instanceId, instances.id))
      .where(and(eq(instanceNics.networkId, networkId), eq(addressPools.mode, 'dhcp'), isNotNull(instanceNics.address)))
      .all()
      .map((r) => ({ mac: r.mac, ip: r.ip ?? '', name: r.name }));
    if (net.kind === 'nat') {
      const { prefix } = parseCidr(net.subnet ?? '') ?? { prefix: 24 };
      const range = natDynamicRange(net.subnet ?? '');
      return { id: net.id, kind: 'nat', bridge: net.bridge, gateway: net.gateway ?? '', prefix, dhcp: { kind: 'range', start: formatIpv4(range.start), end: formatIpv4(range.end) }, reservations };
    }
    const pool = this.db.select().from(addressPools).where(and(eq(addressPools.networkId, net.id), eq(addressPools.mode, 'dhcp'))).get();
    return { id: net.id, kind: 'bridged', bridge: net.bridge, ...(pool ? { dhcp: { gateway: pool.gateway, prefix: pool.ranges[0]?.prefix ?? 24, dnsServers: pool.dnsServers } } : {}), reservations };
  }

  /** Brings every network up on a host with its reservations (at attach: the database is the truth). */
  async ensureAllOn(hostId: string, agent: HostAgent): Promise<void> {
    for (const net of this.list()) {
      const state = await agent.networks.ensure(this.hostSpec(net.id)).catch((err: unknown) => ({ active: false, detail: String(err) }));
      if (!state.active) log.warn('a network is not up on a host', { host: hostId, network: net.name, detail: state.detail });
    }
  }

  /** Pushes a network's reservations to every given host (after a NIC got or lost an address). */
  async syncReservations(networkId: string, agents: HostAgent[]): Promise<void> {
    const spec = this.hostSpec(networkId);
    await Promise.all(agents.map((a) => a.networks.ensure(spec)));
  }

  /** Throws subnet_in_use when the subnet overlaps another network or a route of a host. */
  assertSubnetFree(subnet: string): void {
    const cidr = parseCidr(subnet);
    if (!cidr) throw new AppError('validation_failed', `'${subnet}' is not a subnet.`);
    const chosen = subnet;
    for (const other of this.list())
      if (other.subnet && subnetsOverlap(cidr, parseCidr(other.subnet) ?? cidr))
        throw new AppError('subnet_in_use', `The subnet ${chosen} overlaps network '${other.name}' (${other.subnet}).`);
    for (const route of this.hostRoutes())
      if (parseCidr(route) && subnetsOverlap(cidr, parseCidr(route) ?? cidr))
        throw new AppError('subnet_in_use', `The subnet ${chosen} overlaps the route ${route} of a host; choose another.`);
  }

  private natRow(id: string, name: string, subnet?: string) {
    const chosen = subnet ?? this.chooseSubnet();
    this.assertSubnetFree(chosen);
    const cidr = parseCidr(chosen) ?? { network: 0, prefix: 24 };
    // Bridge names have at most 15 characters.
    return { id, name, kind: 'nat' as const, bridge: `ob-${id.slice(4, 16)}`, subnet: formatCidr(cidr.network, cidr.prefix), gateway: formatIpv4(cidr.network + 1) };
  }

  private bridgedRow(id: string, name: string, bridge: string) {
    if (this.db.select({ id: networks.id }).from(networks).where(eq(networks.bridge, bridge)).get())
      throw new AppError('bridge_in_use', `The bridge ${bridge} already belongs to another network.`);
    return { id, name, kind: 'bridged' as const, bridge, subnet: null, gateway: null };
  }
}
