/**
 * The lower floor every instance service stands on: the agent of an instance's host, its
 * storage pool, its ISO on the host, (re)defining its domain from the row, and reading its
 * state back. The database is the source of truth; the domain is redefined from the row.
 */
import { eq } from 'drizzle-orm';
import type { ArtifactRef, CloudInitSpec, StoragePoolSpec } from '../../cluster/agent-types.js';
import type { HostAgent, HostAgents } from '../../cluster/host-agent.js';
import type { Db } from '../../db/client.js';
import { hosts } from '../../db/schema.js';
import type { CpuDefinition, CpuMode } from '../../hypervisor/types.js';
import { AppError, notFound } from '../../lib/errors.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { log } from '../../lib/log.js';
import type { Reverter } from '../../lib/reverter.js';
import { callAgent } from '../agent-errors.js';
import type { MediaService } from '../media.js';
import type { StoragePoolsService } from '../storage-pools.js';
import type { NetworksService } from '../networks.js';
import type { InstanceNics } from './nics.js';
import { seedFor } from './seed.js';
import { guestSpecFor } from './spec.js';
import { stateFromDomain } from './state.js';
import type { Instance, InstanceStore } from './store.js';

/** What the runtime needs. */
export interface RuntimeDeps {
  db: Db;
  store: InstanceStore;
  agents: HostAgents;
  media: MediaService;
  storagePools: StoragePoolsService;
  kvmCpu: CpuMode;
  /** The CPU baseline of a compute pool, when it has one. */
  poolCpu: (poolId: string) => CpuDefinition | undefined;
  vncListen: string;
  /** This installation's id: the owner recorded in every domain it defines. */
  installationId: string;
  nics: InstanceNics;
  networks: NetworksService;
  /** Every attached host's agent (networks and their reservations are the same on all). */
  attachedAgents: () => HostAgent[];
}

/** Shared instance plumbing. */
export class InstanceRuntime {
  private readonly refreshes = new KeyedMutex();

  constructor(readonly deps: RuntimeDeps) {}

  /** The agent of the instance's host; 503 when the host is offline. */
  agentFor(row: Instance): HostAgent {
    const agent = this.deps.agents.find(row.hostId);
    if (!agent) throw new AppError('host_offline', `The host of instance '${row.name}' is offline.`);
    return agent;
  }

  /** The storage pool of the instance's disks. */
  poolOf(row: Instance): StoragePoolSpec {
    return this.deps.storagePools.specOf(row.storagePoolId);
  }

  /** Makes sure the ISO is on the instance's host; returns its reference for the domain. */
  async ensureMedia(agent: HostAgent, row: Instance, mediaId: string): Promise<ArtifactRef> {
    const { ref, source } = this.deps.media.artifact(this.deps.media.get(mediaId));
    await callAgent(row.name, () => agent.volumes.ensureArtifact(ref, source));
    return ref;
  }

  /** (Re)defines the instance's domain from its row, with its pool's CPU baseline as it is now. With a reverter, a new definition is undone on a later failure. */
  async define(agent: HostAgent, row: Instance, opts: { bootFromCdrom?: boolean; reverter?: Reverter } = {}): Promise<void> {
    const host = this.deps.db.select({ accel: hosts.accel }).from(hosts).where(eq(hosts.id, row.hostId)).get();
    if (!host) throw notFound('host', row.hostId);
    const media = row.mediaId ? await this.ensureMedia(agent, row, row.mediaId) : undefined;
    const nics = this.deps.nics.guestNics(row.id);
    const spec = guestSpecFor(row, {
      accel: host.accel, kvmCpu: this.deps.kvmCpu, poolCpu: this.deps.poolCpu(row.poolId), storagePool: this.poolOf(row), owner: this.deps.installationId, media, nics,
      withSeed: this.seedOf(row) !== undefined, bootFromCdrom: opts.bootFromCdrom, vncListen: this.deps.vncListen,
    });
    await callAgent(row.name, () => agent.domains.define(spec));
    opts.reverter?.add('undefine domain', () => agent.domains.undefine(row.domainName));
    // libvirtd then starts the guest when the host boots: "start when the host starts".
    await callAgent(row.name, () => agent.domains.setAutostart(row.domainName, row.autostart));
  }

  /** The instance's seed input (cloud-init options and/or a static address), or undefined. */
  seedOf(row: Instance): CloudInitSpec | undefined {
    return seedFor(row, this.deps.nics.staticNetwork(row.id));
  }

  /** Brings the networks of these NICs up with their current reservations, on every host. */
  async syncNetworks(instanceName: string, networkIds: Iterable<string>): Promise<void> {
    for (const id of new Set(networkIds)) await callAgent(instanceName, () => this.deps.networks.syncReservations(id, this.deps.attachedAgents()));
  }

  /**
   * Reads the domain's state from the instance's host and stores the mapped state. Refreshes
   * of one instance run one at a time, so an older reading never lands after a newer one.
   */
  refreshState(row: Instance): Promise<Instance> {
    return this.refreshes.run(row.id, async () => this.refreshNow(this.deps.store.find(row.id) ?? row));
  }

  private async refreshNow(row: Instance): Promise<Instance> {
    const agent = this.deps.agents.find(row.hostId);
    if (!agent || !agent.host.isOnline()) return row.state === 'lost' ? row : (this.deps.store.setSettledState(row.id, 'lost', 'The host is offline.') ?? row);
    try {
      const domain = await agent.domains.find(row.domainName);
      const next = stateFromDomain(domain?.state, row.domainName);
      if (next.state === row.state && next.reason === row.stateReason) return row;
      return this.deps.store.setSettledState(row.id, next.state, next.reason) ?? this.deps.store.get(row.id);
    } catch (err) {
      log.warn('state refresh failed', { instance: row.id, error: String(err) });
      return row;
    }
  }
}
