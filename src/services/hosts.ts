/**
 * Hosts: the catalogue (pool membership, scheduling switch) and the live side: attaching a
 * host's agent (register, subscribe to its events, reconcile its instances), heartbeats
 * (`lastSeenAt`), and the facts it last reported. Local or peer makes no difference here.
 */
import { eq, sql } from 'drizzle-orm';
import type { AgentEvent, ArtifactRef, DomainLifecycleEvent, HostFacts, StoragePoolSpec } from '../cluster/agent-types.js';
import type { HostAgent, HostAgents } from '../cluster/host-agent.js';
import type { Db } from '../db/client.js';
import { getByIdOrName } from '../db/lookup.js';
import { computePools, hosts, instances, migrationReservations } from '../db/schema.js';
import { AppError, notFound } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { log } from '../lib/log.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import { plural } from '../lib/english.js';
import type { PoolCpuService } from './pool-cpu.js';
import type { StoragePoolsService } from './storage-pools.js';

/** A host row. */
export type Host = typeof hosts.$inferSelect;

/** What the instance services do when hosts come and go. */
export interface HostListener {
  /** A host's agent is attached (or reattached): bring its instances in step. */
  attached(hostId: string): Promise<void>;
  /** A domain on the host changed. */
  lifecycle(hostId: string, event: DomainLifecycleEvent): void;
  /** The host's hypervisor connection is back: events may have been missed. */
  reconnected(hostId: string): Promise<void>;
}

/** How a host is identified when it attaches. */
export type Attachment = { local: true; defaultPoolId: string; address: string } | { hostId: string };

/** Timings of the live side. */
export interface HostTimings {
  heartbeatMs: number;
  factsEveryMs: number;
}

interface Live {
  agent: HostAgent;
  facts: HostFacts;
  factsAt: number;
  unsubscribe: () => void;
  timer: NodeJS.Timeout;
}

/** Host catalogue and the agents behind it. */
/**
 * Refuses to remove a host or move it to another pool while instances live there or a migration
 * is moving one there (its reservation): the move would be recorded on a host that is gone or in
 * another pool.
 */
function refuseWhileOccupied(db: Pick<Db, 'select'>, host: Host, doing: string): void {
  const count = db.select({ n: sql<number>`count(*)` }).from(instances).where(eq(instances.hostId, host.id)).get()?.n ?? 0;
  if (count > 0) throw new AppError('host_has_instances', `Host '${host.name}' has ${plural(count, 'instance')}; move or delete them before ${doing}.`);
  const arriving = db.select({ n: sql<number>`count(*)` }).from(migrationReservations).where(eq(migrationReservations.hostId, host.id)).get()?.n ?? 0;
  if (arriving > 0)
    throw new AppError('host_has_instances', `${plural(arriving, 'instance')} ${arriving === 1 ? 'is' : 'are'} migrating to host '${host.name}'; wait for ${arriving === 1 ? 'that migration' : 'those migrations'} to end (or cancel ${arriving === 1 ? 'it' : 'them'}) before ${doing}.`);
}

export class HostsService {
  private readonly live = new Map<string, Live>();
  private readonly removed = new Set<string>();
  private listener?: HostListener;

  constructor(
    private readonly db: Db,
    private readonly agents: HostAgents,
    private readonly storagePools: StoragePoolsService,
    private readonly audit: AuditService,
    private readonly poolCpu: PoolCpuService,
    private readonly timings: HostTimings = { heartbeatMs: 10_000, factsEveryMs: 30_000 },
  ) {}

  /** Who hears about attached hosts and their events (the instance services). */
  setListener(listener: HostListener): void {
    this.listener = listener;
  }

  /**
   * Registers a host's agent: records its facts, follows its events, reconciles its instances. A
   * host whose CPU is new to its pool's baseline (it changed, or the baseline never covered it) has
   * the pool's baseline recomputed first, so its instances are defined with it.
   */
  async attach(agent: HostAgent, how: Attachment): Promise<Host> {
    const facts = await agent.host.facts(this.storagePools.specs());
    const previousCpu = this.db.select({ cpu: hosts.cpu }).from(hosts).where('local' in how ? eq(hosts.isLocal, true) : eq(hosts.id, how.hostId)).get()?.cpu;
    const host = this.upsert(facts, how);
    this.detach(host.id);
    this.agents.register(host.id, agent);
    const unsubscribe = agent.host.onEvent((event) => this.onEvent(host.id, event));
    const timer = setInterval(() => void this.beat(host.id), this.timings.heartbeatMs);
    timer.unref();
    this.live.set(host.id, { agent, facts, factsAt: Date.now(), unsubscribe, timer });
    const cpuIsNew = facts.cpu !== undefined && facts.cpu !== previousCpu;
    if (host.poolId !== null && (cpuIsNew || !this.poolCpu.covers(host.poolId, host.id))) await this.poolCpu.recompute(host.poolId);
    await this.listener?.attached(host.id);
    return host;
  }

  /** Stops following a host (its agent stays open: the caller owns it). */
  detach(hostId: string): void {
    const live = this.live.get(hostId);
    if (!live) return;
    live.unsubscribe();
    clearInterval(live.timer);
    this.live.delete(hostId);
    this.agents.unregister(hostId);
  }

  /** Stops every heartbeat (shutdown). */
  stop(): void {
    for (const id of [...this.live.keys()]) this.detach(id);
  }

  /** A host is online while this controller holds its agent and the agent answers. */
  isOnline(hostId: string): boolean {
    return this.live.get(hostId)?.agent.host.isOnline() === true;
  }

  /** The agents of every attached host. */
  attachedAgents(): HostAgent[] {
    return [...this.live.values()].map((l) => l.agent);
  }

  /** Every attached host's agent, with the host's id. */
  attachedAgentsById(): Map<HostAgent, string> {
    return new Map([...this.live.entries()].map(([id, l]) => [l.agent, id]));
  }

  /** The IPv4 routes every attached host last reported (no new NAT subnet may collide with one). */
  routes(): string[] {
    return [...this.live.values()].flatMap((l) => l.facts.routes ?? []);
  }

  /** What the host reported last (undefined for a host that never attached since start). */
  factsOf(hostId: string): HostFacts | undefined {
    return this.live.get(hostId)?.facts;
  }

  /** Re-reads the free space of one storage pool on the given hosts (before placing an instance); hosts that fail keep their last figure. */
  async refreshStorage(hostIds: string[], pool: StoragePoolSpec): Promise<void> {
    await Promise.all(
      hostIds.map(async (id) => {
        const live = this.live.get(id);
        if (!live?.agent.host.isOnline()) return;
        const capacity = await live.agent.volumes.capacity(pool).catch(() => undefined);
        if (!capacity) return;
        live.facts = { ...live.facts, storage: [...live.facts.storage.filter((s) => s.poolId !== pool.id), { poolId: pool.id, ...capacity }] };
      }),
    );
  }

  /** Tells every attached host to drop its copy of a library file; failures are logged. */
  async forgetArtifact(ref: ArtifactRef): Promise<void> {
    await Promise.all(
      [...this.live.entries()].map(([id, live]) =>
        live.agent.volumes.removeArtifact(ref).catch((err: unknown) => log.warn('a host could not drop a deleted file', { host: id, file: ref.fileName, error: String(err) })),
      ),
    );
  }

  list(): Host[] {
    return this.db.select().from(hosts).orderBy(hosts.name).all();
  }

  /** By id or name; throws host_not_found. */
  get(idOrName: string): Host {
    return getByIdOrName(this.db, hosts, 'host', idOrName);
  }

  /**
   * Moves a host to another pool (refused while it has instances) and/or enables or disables it for
   * scheduling. A move recomputes the CPU baseline of the pool it left and of the one it joined.
   */
  async update(idOrName: string, change: { poolId?: string | null; enabled?: boolean }, actor: Actor): Promise<Host> {
    const before = this.get(idOrName);
    const row = this.setMembership(before, change, actor);
    if (row.poolId !== before.poolId) await this.poolCpu.recompute(before.poolId, row.poolId);
    return row;
  }

  /** Enables or disables a host for scheduling. */
  setEnabled(idOrName: string, enabled: boolean, actor: Actor): Host {
    return this.setMembership(this.get(idOrName), { enabled }, actor);
  }

  private setMembership(host: Host, change: { poolId?: string | null; enabled?: boolean }, actor: Actor): Host {
    return this.db.transaction((tx) => {
      if (change.poolId !== undefined && change.poolId !== host.poolId) {
        if (change.poolId !== null && !tx.select({ id: computePools.id }).from(computePools).where(eq(computePools.id, change.poolId)).get())
          throw notFound('compute_pool', change.poolId);
        refuseWhileOccupied(tx, host, 'changing its pool');
      }
      const row = tx.update(hosts).set(change).where(eq(hosts.id, host.id)).returning().get();
      this.audit.record(actor, 'update', 'host', host.id, JSON.stringify(change));
      return row;
    });
  }

  /** Removes a joined host (refused for this machine and while instances live there); its agent is closed. */
  async remove(idOrName: string, actor: Actor): Promise<void> {
    const host = this.get(idOrName);
    if (host.isLocal) throw new AppError('host_is_local', `Host '${host.name}' is the machine this onebox server runs on; it cannot be removed.`);
    refuseWhileOccupied(this.db, host, 'removing it');
    const agent = this.live.get(host.id)?.agent ?? this.agents.find(host.id);
    this.detach(host.id);
    this.removed.add(host.id);
    this.db.delete(hosts).where(eq(hosts.id, host.id)).run();
    this.audit.record(actor, 'delete', 'host', host.id, host.name);
    await agent?.close().catch(() => undefined);
    await this.poolCpu.recompute(host.poolId);
  }

  /** Whether a host was removed while this server runs (a pending connect gives up). */
  wasRemoved(hostId: string): boolean {
    return this.removed.has(hostId);
  }

  /** Creates or refreshes the host's row from its facts; a new local host joins the default pool. */
  private upsert(facts: HostFacts, how: Attachment): Host {
    const values = {
      accel: facts.accel, accelReason: facts.accelReason, cpus: facts.cpus, memoryMiB: facts.memoryMiB,
      libvirtVersion: facts.libvirtVersion, hypervisorVersion: facts.hypervisorVersion, lastSeenAt: new Date().toISOString(),
      ...(facts.cpu !== undefined ? { cpu: facts.cpu } : {}),
    };
    if (!('local' in how)) {
      const row = this.db.update(hosts).set(values).where(eq(hosts.id, how.hostId)).returning().get();
      if (!row) throw notFound('host', how.hostId);
      return row;
    }
    const existing = this.db.select().from(hosts).where(eq(hosts.isLocal, true)).get();
    if (existing) return this.db.update(hosts).set({ ...values, address: how.address }).where(eq(hosts.id, existing.id)).returning().get();
    return this.db
      .insert(hosts)
      .values({ id: newId('host'), name: facts.hostname, isLocal: true, poolId: how.defaultPoolId, address: how.address, ...values })
      .returning()
      .get();
  }

  private onEvent(hostId: string, event: AgentEvent): void {
    if (event.type === 'lifecycle') return this.listener?.lifecycle(hostId, event.event);
    if (!event.online) {
      // Lost: its instances show `lost` until it is back (a refresh reads the offline agent).
      log.warn('host lost', { host: hostId });
      void this.listener?.reconnected(hostId).catch((err: unknown) => log.error('marking instances lost failed', { host: hostId, error: String(err) }));
      return;
    }
    // Events sent while the hypervisor was away are lost: re-read every state once it is back.
    this.markSeen(hostId);
    void this.listener?.reconnected(hostId).catch((err: unknown) => log.error('refresh after reconnect failed', { host: hostId, error: String(err) }));
  }

  /** Heartbeat: a host that answers is seen now; its facts are refreshed now and then. */
  private async beat(hostId: string): Promise<void> {
    const live = this.live.get(hostId);
    if (!live || !live.agent.host.isOnline()) return;
    this.markSeen(hostId);
    if (Date.now() - live.factsAt < this.timings.factsEveryMs) return;
    try {
      live.facts = await live.agent.host.facts(this.storagePools.specs());
      live.factsAt = Date.now();
    } catch (err) {
      log.warn('host facts refresh failed', { host: hostId, error: String(err) });
    }
  }

  private markSeen(hostId: string): void {
    this.db.update(hosts).set({ lastSeenAt: new Date().toISOString() }).where(eq(hosts.id, hostId)).run();
  }
}
