/**
 * The NICs of instances: planned and recorded in the transaction that records the instance
 * (the address and MAC are unique there, so concurrent creates never share one), added and
 * removed on stopped instances, and turned into the guest's NICs and its static network config.
 */
import { preparedOnce } from '../../db/prepared.js';
import { and, asc, eq, inArray, max, sql } from 'drizzle-orm';
import type { GuestNic } from '../../cluster/agent-types.js';
import type { StaticNetworkSpec } from '../../cloudinit/seed.js';
import type { Db } from '../../db/client.js';
import { addressPools, instanceNics, networks } from '../../db/schema.js';
import { AppError, notFound } from '../../lib/errors.js';
import { newId, newMacAddress } from '../../lib/ids.js';
import type { NicRequest } from '../../shared/instances.js';
import type { AddressPoolsService } from '../address-pools.js';
import type { NetworksService } from '../networks.js';
import type { Pool } from '../pools.js';

/** A NIC row. */
export type NicRow = typeof instanceNics.$inferSelect;

/** At most this many NICs per instance. */
export const MAX_NICS = 8;

/** NIC planning and lookups. */
export class InstanceNics {
  constructor(
    private readonly db: Db,
    private readonly networks: NetworksService,
    private readonly addressPools: AddressPoolsService,
  ) {}

  /** The NICs of an instance in order. */
  list(instanceId: string): NicRow[] {
    return preparedOnce(this.db, 'nics.of', () =>
      this.db.select().from(instanceNics).where(eq(instanceNics.instanceId, sql.placeholder('id'))).orderBy(asc(instanceNics.position)).prepare(),
    ).all({ id: instanceId });
  }

  /** The NICs of several instances (a page of the list), by instance id, each in order. */
  listMany(instanceIds: string[]): Map<string, NicRow[]> {
    const byInstance = new Map<string, NicRow[]>(instanceIds.map((id) => [id, []]));
    if (instanceIds.length === 0) return byInstance;
    const rows = preparedOnce(this.db, 'nics.ofMany', () =>
      this.db.select().from(instanceNics)
        .where(inArray(instanceNics.instanceId, sql`(select value from json_each(${sql.placeholder('ids')}))`))
        .orderBy(asc(instanceNics.instanceId), asc(instanceNics.position)).prepare(),
    ).all({ ids: JSON.stringify(instanceIds) });
    for (const row of rows) byInstance.get(row.instanceId)?.push(row);
    return byInstance;
  }

  /**
   * Records the NICs of a new instance inside `tx`: by default one on its compute pool's network
   * (with an address from the pool's address pool); `requests` ([] for none) say otherwise.
   */
  insertForNew(tx: Db, instanceId: string, pool: Pool, requests: NicRequest[] | undefined): NicRow[] {
    const wanted = requests ?? (pool.networkId ? [{ network: pool.networkId }] : []);
    if (wanted.length > MAX_NICS) throw new AppError('validation_failed', `An instance can have at most ${MAX_NICS} NICs.`);
    return wanted.map((request, position) => this.insert(tx, instanceId, pool, request, position));
  }

  /** Records one more NIC (the instance must be stopped; the caller checks). */
  insertOne(instanceId: string, pool: Pool, request: NicRequest): NicRow {
    return this.db.transaction((tx) => {
      const next = (tx.select({ n: max(instanceNics.position) }).from(instanceNics).where(eq(instanceNics.instanceId, instanceId)).get()?.n ?? -1) + 1;
      if (next >= MAX_NICS) throw new AppError('validation_failed', `An instance can have at most ${MAX_NICS} NICs.`);
      return this.insert(tx as unknown as Db, instanceId, pool, request, next);
    });
  }

  /** Forgets a NIC (its address goes back to the pool). */
  delete(instanceId: string, nicId: string): NicRow {
    const row = this.db.delete(instanceNics).where(and(eq(instanceNics.id, nicId), eq(instanceNics.instanceId, instanceId))).returning().get();
    if (!row) throw notFound('nic', nicId);
    return row;
  }

  /** The guest's NICs as the host attaches them. */
  guestNics(instanceId: string): GuestNic[] {
    return this.db
      .select({ mac: instanceNics.mac, id: networks.id, kind: networks.kind, bridge: networks.bridge })
      .from(instanceNics)
      .innerJoin(networks, eq(instanceNics.networkId, networks.id))
      .where(eq(instanceNics.instanceId, instanceId))
      .orderBy(asc(instanceNics.position))
      .all()
      .map((n) => ({ mac: n.mac, network: { id: n.id, kind: n.kind, bridge: n.bridge } }));
  }

  /** cloud-init's static config of the first NIC, when its address comes from a static pool. */
  staticNetwork(instanceId: string): StaticNetworkSpec | undefined {
    const first = this.db
      .select({ mac: instanceNics.mac, address: instanceNics.address, mode: addressPools.mode, gateway: addressPools.gateway, dns: addressPools.dnsServers, ranges: addressPools.ranges })
      .from(instanceNics)
      .innerJoin(addressPools, eq(instanceNics.addressPoolId, addressPools.id))
      .where(and(eq(instanceNics.instanceId, instanceId), eq(instanceNics.position, 0)))
      .get();
    if (!first || first.mode !== 'static' || !first.address) return undefined;
    return { macAddress: first.mac, address: `${first.address}/${first.ranges[0]?.prefix ?? 24}`, gateway: first.gateway, dnsServers: first.dns };
  }

  private insert(tx: Db, instanceId: string, pool: Pool, request: NicRequest, position: number): NicRow {
    const network = this.networks.get(request.network ?? pool.networkId ?? '');
    // Addresses come from the compute pool's address pool, when it is on this network.
    const addressPool = pool.addressPoolId ? this.addressPools.get(pool.addressPoolId) : undefined;
    const fromPool = addressPool && addressPool.networkId === network.id ? addressPool : undefined;
    if (request.address && !fromPool)
      throw new AppError('address_needs_pool', `A fixed address needs an address pool on network '${network.name}' for compute pool '${pool.name}'; set one with PATCH /pools/${pool.name}.`);
    if (request.mac && tx.select({ id: instanceNics.id }).from(instanceNics).where(eq(instanceNics.mac, request.mac)).get())
      throw new AppError('mac_taken', `The MAC address ${request.mac} is already used by another NIC.`);
    const mac = request.mac ?? this.freeMac(tx);
    const address = fromPool ? this.addressPools.allocate(fromPool, request.address) : null;
    return tx
      .insert(instanceNics)
      .values({ id: newId('nic'), instanceId, position, networkId: network.id, mac, addressPoolId: fromPool?.id ?? null, address })
      .returning()
      .get();
  }

  private freeMac(tx: Db): string {
    for (;;) {
      const mac = newMacAddress();
      if (!tx.select({ id: instanceNics.id }).from(instanceNics).where(eq(instanceNics.mac, mac)).get()) return mac;
    }
  }
}
