/**
 * Address pools: ranges of addresses onebox hands out on a network, checked so no two pools
 * (nor a NAT network's own dynamic range) share an address, and allocations that are never
 * given twice (the unique index on (pool, address) guards the transaction that picks them).
 */
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/client.js';
import { getByIdOrName } from '../db/lookup.js';
import { addressPools, computePools, instanceNics, instances } from '../db/schema.js';
import { plural } from '../lib/english.js';
import { AppError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { formatIpv4, parseCidr, parseIpv4 } from '../shared/ipv4.js';
import { checkAddressPool, numericRanges, type AddressRangeInput, type CreateAddressPoolInput, type NumericRange } from '../shared/networks.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import { allocateAddress, rangeSize } from './ip-allocator.js';
import { natDynamicRange, type NetworksService } from './networks.js';

/** An address pool row. */
export type AddressPoolRow = typeof addressPools.$inferSelect;

/** The address pool catalogue. */
export class AddressPoolsService {
  private allocatedStatement?: Statement;

  constructor(
    private readonly db: Db,
    private readonly networks: NetworksService,
    private readonly audit: AuditService,
  ) {}

  list(): AddressPoolRow[] {
    return this.db.select().from(addressPools).orderBy(addressPools.name).all();
  }

  get(idOrName: string): AddressPoolRow {
    return getByIdOrName(this.db, addressPools, 'address_pool', idOrName);
  }

  /** How many addresses the pool holds and how many are allocated. */
  usage(pool: AddressPoolRow): { size: number; allocated: number } {
    const allocated = this.db.select({ n: sql<number>`count(*)` }).from(instanceNics).where(eq(instanceNics.addressPoolId, pool.id)).get()?.n ?? 0;
    return { size: rangeSize(numericRanges(pool.ranges)), allocated };
  }

  /** Address → NIC and instance, in address order. */
  allocations(pool: AddressPoolRow) {
    return this.db
      .select({ address: instanceNics.address, mac: instanceNics.mac, nicId: instanceNics.id, instanceId: instances.id, instanceName: instances.name })
      .from(instanceNics)
      .innerJoin(instances, eq(instanceNics.instanceId, instances.id))
      .where(eq(instanceNics.addressPoolId, pool.id))
      .all()
      .sort((a, b) => (parseIpv4(a.address ?? '') ?? 0) - (parseIpv4(b.address ?? '') ?? 0));
  }

  /** Creates an address pool; on a bridged network in dhcp mode, hosts start serving DHCP on the bridge. */
  async create(input: CreateAddressPoolInput, actor: Actor): Promise<AddressPoolRow> {
    const net = this.networks.get(input.network);
    if (this.db.select({ id: addressPools.id }).from(addressPools).where(eq(addressPools.name, input.name)).get())
      throw new AppError('address_pool_name_taken', `An address pool named '${input.name}' already exists.`);
    if (net.kind === 'nat' && input.gateway !== net.gateway)
      throw new AppError('address_pool_invalid', `On the NAT network '${net.name}' the gateway is the host, ${net.gateway}.`, [{ field: 'gateway', message: `Use ${net.gateway}.` }]);
    this.check(net.id, undefined, input.gateway, input.ranges);
    const row = this.db
      .insert(addressPools)
      .values({ id: newId('apl'), name: input.name, networkId: net.id, mode: input.mode, gateway: input.gateway, dnsServers: input.dnsServers, ranges: input.ranges })
      .returning()
      .get();
    this.audit.record(actor, 'create', 'address_pool', row.id, row.name);
    await this.networks.apply(net.id);
    return row;
  }

  /** New ranges (none that would orphan an allocation may go) and/or DNS servers. */
  async update(idOrName: string, change: { ranges?: AddressRangeInput[]; dnsServers?: string[] }, actor: Actor): Promise<AddressPoolRow> {
    const pool = this.get(idOrName);
    const updated = this.db.transaction((tx) => {
      if (change.ranges) {
        this.check(pool.networkId, pool.id, pool.gateway, change.ranges);
        const ranges = numericRanges(change.ranges);
        const orphaned = this.allocations(pool).filter((a) => !ranges.some((r) => inRange(parseIpv4(a.address ?? '') ?? -1, r)));
        if (orphaned.length > 0)
          throw new AppError('address_range_in_use', `The new ranges leave out ${plural(orphaned.length, 'allocated address', 'allocated addresses')} (${orphaned.map((a) => `${a.address} of '${a.instanceName}'`).join(', ')}); delete those instances or NICs first.`);
      }
      const row = tx.update(addressPools).set(change).where(eq(addressPools.id, pool.id)).returning().get();
      this.audit.record(actor, 'update', 'address_pool', pool.id, JSON.stringify(change));
      return row;
    });
    await this.networks.apply(pool.networkId);
    return updated;
  }

  /** Deletes a pool with no allocations that no compute pool uses. */
  async delete(idOrName: string, actor: Actor): Promise<void> {
    const pool = this.get(idOrName);
    this.db.transaction((tx) => {
      const { allocated } = this.usage(pool);
      if (allocated > 0) throw new AppError('address_pool_in_use', `Address pool '${pool.name}' has ${plural(allocated, 'allocated address', 'allocated addresses')}; delete those instances or NICs first.`);
      const users = tx.select({ name: computePools.name }).from(computePools).where(eq(computePools.addressPoolId, pool.id)).all();
      if (users.length > 0) throw new AppError('address_pool_in_use', `Address pool '${pool.name}' is the address pool of compute pool(s) ${users.map((u) => `'${u.name}'`).join(', ')}; change that first.`);
      tx.delete(addressPools).where(eq(addressPools.id, pool.id)).run();
    });
    this.audit.record(actor, 'delete', 'address_pool', pool.id, pool.name);
    await this.networks.apply(pool.networkId);
  }

  /**
   * Picks an address for a new NIC (call it inside the transaction that inserts the NIC):
   * the requested one when it is free and inside a range, else the first free one.
   */
  allocate(pool: AddressPoolRow, requested?: string): string {
    const used = new Set(this.allocatedAddresses(pool.id).map((a) => parseIpv4(a) ?? -1));
    const result = allocateAddress(numericRanges(pool.ranges), used, requested === undefined ? undefined : parseIpv4(requested));
    if ('address' in result) return formatIpv4(result.address);
    if (result.error === 'exhausted') throw new AppError('address_pool_exhausted', `Address pool '${pool.name}' has no free address left (${rangeSize(numericRanges(pool.ranges))} in all).`);
    if (result.error === 'taken') throw new AppError('address_taken', `The address ${requested} of address pool '${pool.name}' is already allocated.`);
    throw new AppError('address_outside_ranges', `The address ${requested} lies outside every range of address pool '${pool.name}'.`);
  }

  /**
   * The addresses allocated in a pool, as plain strings from one prepared statement: this runs in
   * every create's transaction and a pool may hold tens of thousands, so no row objects are built.
   * It reads through `this.db`'s connection, which is the caller's transaction: better-sqlite3
   * has one connection and its transactions are synchronous.
   */
  private allocatedAddresses(poolId: string): string[] {
    this.allocatedStatement ??= this.db.$client.prepare('SELECT address FROM instance_nics WHERE address_pool_id = ? AND address IS NOT NULL').pluck();
    return this.allocatedStatement.all(poolId) as string[];
  }

  /** The checks of a pool's ranges against the request itself, the other pools of the network and a NAT network's own range. */
  private check(networkId: string, poolId: string | undefined, gateway: string, ranges: AddressRangeInput[]): void {
    const net = this.networks.get(networkId);
    const others = this.db
      .select()
      .from(addressPools)
      .where(poolId ? and(eq(addressPools.networkId, networkId), ne(addressPools.id, poolId)) : eq(addressPools.networkId, networkId))
      .all()
      .flatMap((p) => numericRanges(p.ranges).map((range) => ({ pool: p.name, range })));
    if (net.kind === 'nat' && net.subnet) others.push({ pool: `${net.name}'s own DHCP (${rangeText(natDynamicRange(net.subnet))})`, range: natDynamicRange(net.subnet) });
    const problems = checkAddressPool({ gateway, ranges }, { otherRanges: others, networkSubnet: net.subnet ? parseCidr(net.subnet) : undefined });
    if (problems.length === 0) return;
    const errors = problems.map(({ field, message }) => ({ field, message }));
    const conflict = problems.every((p) => p.conflict);
    throw new AppError(conflict ? 'address_ranges_overlap' : 'address_pool_invalid', problems.map((p) => p.message).join(' '), errors);
  }
}

const inRange = (a: number, r: NumericRange) => a >= r.start && a <= r.end;
const rangeText = (r: NumericRange) => `${formatIpv4(r.start)}–${formatIpv4(r.end)}`;
