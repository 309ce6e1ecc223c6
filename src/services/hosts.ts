/**
 * Hosts: the local host registers itself at start (and joins the default pool the first
 * time); online state comes from whether its agent answers.
 */
import { eq } from 'drizzle-orm';
import type { HostAgents } from '../cluster/host-agent.js';
import type { Db } from '../db/client.js';
import { byIdOrName } from '../db/lookup.js';
import { hosts } from '../db/schema.js';
import type { Accel, HypervisorHostInfo } from '../hypervisor/types.js';
import { NotFoundError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';

/** A host row. */
export type Host = typeof hosts.$inferSelect;

/** What the local host reports about itself at start. */
export interface LocalHostFacts {
  info: HypervisorHostInfo;
  accel: Accel;
  accelReason: string;
  address: string;
}

/** Host catalogue. */
export class HostsService {
  constructor(
    private readonly db: Db,
    private readonly agents: HostAgents,
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

  list(): Host[] {
    return this.db.select().from(hosts).orderBy(hosts.name).all();
  }

  /** By id or name; throws host_not_found. */
  get(idOrName: string): Host {
    const match = byIdOrName(hosts, idOrName);
    const row = this.db.select().from(hosts).where(match.where).orderBy(...match.order).get();
    if (!row) throw new NotFoundError('host', idOrName);
    return row;
  }

  /** A host is online when this controller holds an agent for it whose hypervisor connection is up. */
  isOnline(hostId: string): boolean {
    return this.agents.find(hostId)?.hypervisor.isConnected() === true;
  }
}
