/**
 * Instances: create (scheduled, disk cloned, domain defined, all under a reverter), list,
 * get, delete, and keeping the stored state in step with the hypervisor (at start and on
 * lifecycle events).
 */
import { mkdir, rm, statfs } from 'node:fs/promises';
import { and, eq, sql } from 'drizzle-orm';
import type { HostAgent, HostAgents } from '../cluster/host-agent.js';
import type { Db } from '../db/client.js';
import { hosts, instances } from '../db/schema.js';
import { DomainNotFoundError, DomainStateError } from '../hypervisor/errors.js';
import type { CpuMode, DomainLifecycleEvent, DomainRunState } from '../hypervisor/types.js';
import { ConflictError, InsufficientCapacityError, UnavailableError, ValidationError } from '../lib/errors.js';
import { newId, newUuid, newVncPassword } from '../lib/ids.js';
import { log } from '../lib/log.js';
import { Reverter, RevertError } from '../lib/reverter.js';
import { formatMiB } from '../shared/capacity.js';
import { canDo } from '../shared/instance-states.js';
import { GiB, type CreateInstanceInput } from '../shared/schemas.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import { callHypervisor, toAppError } from './hypervisor-errors.js';
import type { ImagesService } from './images.js';
import { cloudInitToStore, writeInstanceSeed } from './instance-seed.js';
import { domainSpecFor } from './instance-spec.js';
import { stateFromDomain } from './instance-state.js';
import type { Instance, InstanceStore } from './instance-store.js';
import type { MediaService } from './media.js';
import type { Operation, OperationsService } from './operations.js';
import type { DataPaths } from './paths.js';
import type { PoolsService } from './pools.js';
import { placeInstance, type HostCandidate } from './scheduler.js';

/** Domain states in which a domain holds a running QEMU process. */
const ACTIVE = new Set<DomainRunState>(['running', 'paused', 'blocked', 'shutdown', 'pmsuspended']);

/** Swallows an expected driver error class; anything else is translated and rethrown. */
function ignore(err: unknown, expected: new (...args: never[]) => Error, instanceName: string): void {
  if (!(err instanceof expected)) throw toAppError(err, instanceName);
}

/** Everything the instance services need. */
export interface InstanceDeps {
  db: Db;
  store: InstanceStore;
  agents: HostAgents;
  paths: DataPaths;
  pools: PoolsService;
  images: ImagesService;
  media: MediaService;
  operations: OperationsService;
  audit: AuditService;
  kvmCpu: CpuMode;
  vncListen: string;
}

/** Creating, listing, deleting and reconciling instances. */
export class InstancesService {
  constructor(private readonly deps: InstanceDeps) {}

  list(): Instance[] {
    return this.deps.store.list();
  }

  get(idOrName: string): Instance {
    return this.deps.store.get(idOrName);
  }

  /** Validates, schedules and records the instance, then builds it in an operation. */
  async create(input: CreateInstanceInput, actor: Actor): Promise<{ instance: Instance; operation: Operation }> {
    // Read before the (synchronous) transaction; disks are thin, so this only refuses what can never fit.
    const fs = await statfs(this.deps.paths.root);
    const localFreeDiskBytes = fs.bavail * fs.bsize;
    const { pools, images, media } = this.deps;
    const pool = pools.get(input.pool);
    const image = input.disk.source === 'image' ? images.get(input.disk.imageId) : undefined;
    const iso = input.mediaId ? media.get(input.mediaId) : undefined;
    const diskSizeBytes = input.disk.sizeGiB !== undefined ? input.disk.sizeGiB * GiB : image!.virtualSizeBytes;
    const dataDisks = input.dataDisks.map((d) => ({ sizeBytes: d.sizeGiB * GiB }));
    const cloudInit = cloudInitToStore(input);
    if (image && diskSizeBytes < image.virtualSizeBytes)
      throw new ValidationError(
        `The system disk (${input.disk.sizeGiB} GiB) cannot be smaller than the image '${image.name}' (${(image.virtualSizeBytes / GiB).toFixed(2)} GiB).`,
        [{ field: 'disk.sizeGiB', message: 'Smaller than the image.' }],
        'disk_smaller_than_image',
      );
    const instance = this.deps.db.transaction((tx) => {
      if (tx.select({ id: instances.id }).from(instances).where(and(eq(instances.poolId, pool.id), eq(instances.name, input.name))).get())
        throw new ConflictError('instance_name_taken', `An instance named '${input.name}' already exists in pool '${pool.name}'.`);
      const placement = placeInstance(this.candidates(tx as unknown as Db, localFreeDiskBytes), {
        poolId: pool.id, cores: input.cores, memoryMiB: input.memoryMiB, diskBytes: diskSizeBytes + dataDisks.reduce((n, d) => n + d.sizeBytes, 0),
        cpuOvercommit: pool.cpuOvercommit, memoryOvercommit: pool.memoryOvercommit,
      });
      if (placement.hostId === undefined)
        throw new InsufficientCapacityError('no_host_available', `No host in pool '${pool.name}' can take ${input.cores} ${input.cores === 1 ? 'vCPU' : 'vCPUs'} and ${formatMiB(input.memoryMiB)}: ${placement.reasons.join('; ') || 'the pool has no hosts'}.`);
      const id = newId('ins');
      return tx.insert(instances).values({
        id, name: input.name, poolId: pool.id, hostId: placement.hostId, cores: input.cores, memoryMiB: input.memoryMiB,
        diskSizeBytes, dataDisks, imageId: image?.id ?? null, cloneMode: input.disk.source === 'blank' ? 'blank' : input.disk.clone,
        mediaId: iso?.id ?? null, state: 'creating', domainName: `ob-${id}`, domainUuid: newUuid(), vncPassword: newVncPassword(),
        autostart: input.autostart, cloudInit,
      }).returning().get();
    });
    this.deps.audit.record(actor, 'create', 'instance', instance.id, instance.name);
    const operation = this.deps.operations.start('instance.create', { type: 'instance', id: instance.id }, actor, (ctx) =>
      this.build(instance, input.start, ctx.progress),
    );
    return { instance, operation };
  }

  /** Deletes the instance with everything it owns, in an operation. */
  delete(idOrName: string, actor: Actor): Operation {
    const row = this.deps.store.get(idOrName);
    if (!canDo('delete', row.state))
      throw new ConflictError('instance_busy', `Instance '${row.name}' is ${row.state}; wait for that to finish.`);
    this.deps.store.setState(row.id, 'deleting');
    this.deps.audit.record(actor, 'delete', 'instance', row.id, row.name);
    return this.deps.operations.start('instance.delete', { type: 'instance', id: row.id }, actor, async (ctx) => {
      try {
        await this.deps.store.withLock(row.id, () => this.destroyEverything(row, ctx.progress));
      } catch (err) {
        this.deps.store.setState(row.id, 'error', `Deletion failed: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
      this.deps.db.delete(instances).where(eq(instances.id, row.id)).run();
    });
  }

  /** At start: instances left half-created or half-deleted become errors; the rest follow the hypervisor. */
  async reconcileAll(): Promise<void> {
    for (const row of this.deps.store.list()) {
      if (row.state === 'creating' || row.state === 'deleting')
        this.deps.store.setState(row.id, 'error', `onebox restarted while the instance was ${row.state}; delete it and try again.`);
    }
    await this.refreshAll();
  }

  /** Re-reads every settled instance's state (after a restart, or a reconnect during which events were missed). */
  async refreshAll(): Promise<void> {
    for (const row of this.deps.store.list()) if (row.state !== 'creating' && row.state !== 'deleting') await this.refreshState(row);
  }

  /** Lifecycle event from a hypervisor: refresh that instance's state. */
  async onLifecycleEvent(event: DomainLifecycleEvent): Promise<void> {
    const row = this.deps.store.findByDomain(event.name);
    if (row && row.state !== 'creating' && row.state !== 'deleting') await this.refreshState(row);
  }

  /** Reads the domain's state from the instance's host and stores the mapped state. */
  async refreshState(row: Instance): Promise<Instance> {
    const agent = this.deps.agents.find(row.hostId);
    if (!agent) return row.state === 'lost' ? row : (this.deps.store.setSettledState(row.id, 'lost', 'The host is offline.') ?? row);
    try {
      const domain = await agent.hypervisor.findDomain(row.domainName);
      const next = stateFromDomain(domain?.state, row.domainName);
      if (next.state === row.state && next.reason === row.stateReason) return row;
      return this.deps.store.setSettledState(row.id, next.state, next.reason) ?? this.deps.store.get(row.id);
    } catch (err) {
      log.warn('state refresh failed', { instance: row.id, error: String(err) });
      return row;
    }
  }

  private async build(row: Instance, start: boolean, progress: (f: number, m?: string) => void): Promise<void> {
    const agent = this.agentFor(row);
    try {
      await Reverter.run(async (reverter) => {
        const dir = this.deps.paths.instanceDir(row.id);
        await mkdir(dir, { recursive: true });
        reverter.add('remove instance directory', () => rm(dir, { recursive: true, force: true }));
        progress(0.05, 'Creating the system disk');
        await this.createSystemDisk(agent, row, (f) => progress(0.05 + f * 0.8, 'Copying the image'));
        for (const [i, disk] of row.dataDisks.entries()) await agent.storage.createBlank(this.deps.paths.dataDisk(row.id, i), disk.sizeBytes);
        if (row.cloudInit) progress(0.88, 'Writing the cloud-init seed');
        await writeInstanceSeed(this.deps.paths, row);
        progress(0.9, 'Defining the virtual machine');
        await this.define(agent, row, false, reverter);
        if (start) {
          progress(0.95, 'Starting');
          await callHypervisor(row.name, () => agent.hypervisor.start(row.domainName));
          reverter.add('stop domain', () => agent.hypervisor.destroy(row.domainName));
        }
        this.deps.store.setState(row.id, start ? 'running' : 'stopped');
      });
    } catch (err) {
      // When cleanup itself failed, keep the row so a delete can finish the job; else nothing remains.
      if (err instanceof RevertError) this.deps.store.setState(row.id, 'error', `Creation failed and cleanup is incomplete: ${err.message}. Delete the instance to retry the cleanup.`);
      else this.deps.db.delete(instances).where(eq(instances.id, row.id)).run();
      throw err;
    }
  }

  /** (Re)defines the instance's domain from its stored row: the database is the source of truth. With a reverter, a new definition is undone on a later failure. */
  async define(agent: HostAgent, row: Instance, bootFromCdrom = false, reverter?: Reverter): Promise<void> {
    const spec = domainSpecFor(row, this.specContext(agent, row, bootFromCdrom));
    await callHypervisor(row.name, () => agent.hypervisor.defineDomain(spec));
    reverter?.add('undefine domain', () => agent.hypervisor.undefineDomain(row.domainName));
    // libvirtd then starts the guest when the host boots: "start when the host starts".
    await callHypervisor(row.name, () => agent.hypervisor.setAutostart(row.domainName, row.autostart));
  }


  private async createSystemDisk(agent: HostAgent, row: Instance, onProgress: (f: number) => void): Promise<void> {
    const path = this.deps.paths.systemDisk(row.id);
    if (row.cloneMode === 'blank' || !row.imageId) return agent.storage.createBlank(path, row.diskSizeBytes);
    const image = this.deps.images.get(row.imageId);
    const source = this.deps.images.filePath(image);
    if (row.cloneMode === 'linked') return agent.storage.createLinkedClone(path, source, image.format, row.diskSizeBytes);
    return agent.storage.createFullCopy(path, source, image.format, row.diskSizeBytes, onProgress);
  }

  private async destroyEverything(row: Instance, progress: (f: number, m?: string) => void): Promise<void> {
    const agent = this.agentFor(row);
    const domain = await callHypervisor(row.name, () => agent.hypervisor.findDomain(row.domainName));
    if (domain && ACTIVE.has(domain.state)) {
      progress(0.2, 'Stopping');
      // It may have stopped by itself since we looked.
      await agent.hypervisor.destroy(row.domainName).catch((err: unknown) => ignore(err, DomainStateError, row.name));
    }
    if (domain) {
      progress(0.5, 'Removing the virtual machine');
      await agent.hypervisor.undefineDomain(row.domainName).catch((err: unknown) => ignore(err, DomainNotFoundError, row.name));
    }
    progress(0.8, 'Removing disks');
    await rm(this.deps.paths.instanceDir(row.id), { recursive: true, force: true });
  }

  /** The file that receives the instance's serial console output. */
  serialLogPath(row: Instance): string {
    return this.deps.paths.serialLog(row.id);
  }

  /** The context for building a domain spec of `row` on `agent`'s host. */
  specContext(agent: HostAgent, row: Instance, bootFromCdrom = false) {
    const host = this.deps.db.select().from(hosts).where(eq(hosts.id, agent.hostId)).get()!;
    const iso = row.mediaId ? this.deps.media.filePath(this.deps.media.get(row.mediaId)) : undefined;
    return { paths: this.deps.paths, accel: host.accel, kvmCpu: this.deps.kvmCpu, isoPath: iso, bootFromCdrom, vncListen: this.deps.vncListen };
  }

  /** The agent of the instance's host; 503 when the host is offline. */
  agentFor(row: Instance): HostAgent {
    const agent = this.deps.agents.find(row.hostId);
    if (!agent) throw new UnavailableError('host_offline', `The host of instance '${row.name}' is offline.`);
    return agent;
  }

  private candidates(db: Db, localFreeDiskBytes: number): HostCandidate[] {
    const claims = db
      .select({ hostId: instances.hostId, cores: sql<number>`sum(${instances.cores})`, memory: sql<number>`sum(${instances.memoryMiB})` })
      .from(instances)
      .groupBy(instances.hostId)
      .all();
    return db.select().from(hosts).all().map((h) => {
      const claim = claims.find((c) => c.hostId === h.id);
      return {
        id: h.id, name: h.name, online: this.deps.agents.find(h.id)?.hypervisor.isConnected() === true, enabled: h.enabled, poolId: h.poolId,
        cpus: h.cpus, memoryMiB: h.memoryMiB, claimedCores: claim?.cores ?? 0, claimedMemoryMiB: claim?.memory ?? 0,
        freeDiskBytes: h.isLocal ? localFreeDiskBytes : undefined,
      };
    });
  }
}
