/**
 * Hosts: the local host registers itself at start (and joins the default pool the first
 * time); online state comes from whether its agent answers.
 */
import { statfs } from 'node:fs/promises';
import { eq, sql } from 'drizzle-orm';
import type { HostAgents } from '../cluster/host-agent.js';
import type { Db } from '../db/client.js';
import { byIdOrName } from '../db/lookup.js';
import { computePools, hosts, instances } from '../db/schema.js';
import type { Accel, HypervisorHostInfo } from '../hypervisor/types.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import { newId } from '../lib/ids.js';
import { plural } from '../lib/plural.js';

/** A host row. */
export type Host = typeof hosts.$inferSelect;

/** What the local host reports about itself at start. */
export interface LocalHostFacts {
  info: HypervisorHostInfo;
  accel: Accel;
  accelReason: string;
  address: string;
}

/** How stale a host's lastSeenAt may get while it answers (one write per host per interval at most). */
const SEEN_RESOLUTION_MS = 10_000;

/** Host catalogue. */
export class HostsService {
  constructor(
    private readonly db: Db,
    private readonly agents: HostAgents,
    private readonly audit: AuditService,
    private readonly dataDir: string,
  ) {}

  /** Creates or refreshes the local host's row; a new one joins `defaultPoolId`. */
  registerLocal(facts: LocalHostFacts, defaultPoolId: string): Host {
    const values = {
      accel: facts.accel,
      accelReason: facts.accelReason,
      address: facts.address,
      cpus: facts.info.cpus,
      memoryMiB: facts.info.memoryMiB,
      libvirtVersion: facts.info.libvirtVersion,
      hypervisorVersion: facts.info.hypervisorVersion,
      lastSeenAt: new Date().toISOString(),
    };
    const existing = this.db.select().from(hosts).where(eq(hosts.isLocal, true)).get();
    if (existing) return this.db.update(hosts).set(values).where(eq(hosts.id, existing.id)).returning().get();
    return this.db
      .insert(hosts)
      .values({ id: newId('host'), name: facts.info.hostname, isLocal: true, poolId: defaultPoolId, ...values })
      .returning()
      .get();
  }

  /** Every host, with lastSeenAt brought up to now for the ones that answer. */
  list(): Host[] {
    return this.db.select().from(hosts).orderBy(hosts.name).all().map((h) => this.seen(h));
  }

  /** By id or name (lastSeenAt up to date, as in list); throws host_not_found. */
  get(idOrName: string): Host {
    const match = byIdOrName(hosts, idOrName);
    const row = this.db.select().from(hosts).where(match.where).orderBy(...match.order).get();
    if (!row) throw new NotFoundError('host', idOrName);
    return this.seen(row);
  }

  /**
   * Records that a host was seen when its agent answers now, so "last seen" moves while the
   * host is up and stops when it goes away. Until heartbeats exist (joined peers), this is the
   * observation: done when hosts are read, at most once per SEEN_RESOLUTION_MS per host.
   */
  private seen(row: Host): Host {
    const now = Date.now();
    if (!this.isOnline(row.id) || (row.lastSeenAt && now - Date.parse(row.lastSeenAt) < SEEN_RESOLUTION_MS)) return row;
    const lastSeenAt = new Date(now).toISOString();
    this.db.update(hosts).set({ lastSeenAt }).where(eq(hosts.id, row.id)).run();
    return { ...row, lastSeenAt };
  }

  /** Moves a host to another pool (refused while it runs instances of its pool) and/or enables or disables it for scheduling. */
  update(idOrName: string, change: { poolId?: string | null; enabled?: boolean }, actor: Actor): Host {
    const host = this.get(idOrName);
    return this.db.transaction((tx) => {
      if (change.poolId !== undefined && change.poolId !== host.poolId) {
        if (change.poolId !== null && !tx.select({ id: computePools.id }).from(computePools).where(eq(computePools.id, change.poolId)).get())
          throw new NotFoundError('compute_pool', change.poolId);
        const count = tx.select({ n: sql<number>`count(*)` }).from(instances).where(eq(instances.hostId, host.id)).get()!.n;
        if (count > 0) throw new ConflictError('host_has_instances', `Host '${host.name}' has ${plural(count, 'instance', 'instances')}; move or delete ${count === 1 ? 'it' : 'them'} before changing its pool.`);
      }
      const row = tx.update(hosts).set(change).where(eq(hosts.id, host.id)).returning().get();
      this.audit.record(actor, 'update', 'host', host.id, JSON.stringify(change));
      return row;
    });
  }

  /** Capacity and free space of the filesystem that holds a local host's data directory. */
  async diskUsage(): Promise<{ diskTotalBytes: number; diskFreeBytes: number }> {
    const fs = await statfs(this.dataDir);
    return { diskTotalBytes: fs.blocks * fs.bsize, diskFreeBytes: fs.bavail * fs.bsize };
  }

  /** A host is online when this controller holds an agent for it whose hypervisor connection is up. */
  isOnline(hostId: string): boolean {
    return this.agents.find(hostId)?.hypervisor.isConnected() === true;
  }
}
