/**
 * Creating an instance: validate, place it on a host and record it in one transaction (so a
 * batch never over-books a host), then build it in an operation under a reverter: the image
 * reaches the host, disks, seed and domain are made, and a failure leaves nothing half-made.
 */
import { and, eq } from 'drizzle-orm';
import type { DiskPlan } from '../../cluster/agent-types.js';
import type { Db } from '../../db/client.js';
import { hosts, instances } from '../../db/schema.js';
import { AppError, NoHostFitsError } from '../../lib/errors.js';
import { newId, newUuid, newVncPassword } from '../../lib/ids.js';
import { Reverter, RevertError } from '../../lib/reverter.js';
import { GiB, type CreateInstanceInput } from '../../shared/schemas.js';
import { ownedBy, type Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import { hostCandidates, type HostLoad } from '../host-candidates.js';
import type { HostsService } from '../hosts.js';
import type { Image, ImagesService } from '../images.js';
import type { MediaService } from '../media.js';
import type { Operation, OperationsService } from '../operations.js';
import type { PoolsService } from '../pools.js';
import { placeInstance } from '../scheduler.js';
import { missingNetworksByHost } from './placement-networks.js';
import type { StoragePoolsService } from '../storage-pools.js';
import type { InstanceRuntime } from './runtime.js';
import { cloudInitToStore } from './seed.js';
import type { Instance, InstanceStore } from './store.js';

/** What creating needs. */
export interface CreateDeps {
  db: Db;
  store: InstanceStore;
  runtime: InstanceRuntime;
  hosts: HostsService;
  pools: PoolsService;
  storagePools: StoragePoolsService;
  images: ImagesService;
  media: MediaService;
  operations: OperationsService;
  audit: AuditService;
  /** A host's newest measured load (the usage collector's sample), for the scheduler's score and CPU ceiling. */
  loadOf?: (hostId: string) => HostLoad | undefined;
}

type Progress = (fraction: number, message?: string) => void;

/** Creates instances. */
export class InstanceCreator {
  constructor(private readonly deps: CreateDeps) {}

  /** Validates, schedules and records the instance, then builds it in an operation. */
  async create(input: CreateInstanceInput, actor: Actor): Promise<{ instance: Instance; operation: Operation }> {
    const instance = await this.place(input, actor);
    const operation = this.deps.operations.start('instance.create', { type: 'instance', id: instance.id }, actor, (ctx) =>
      this.build(instance, input.start, ctx.progress),
    );
    return { instance, operation };
  }

  /** Validates, schedules and records the instance (state `creating`) under `id`; {@link build} makes it. */
  async place(input: CreateInstanceInput, actor: Actor, id = newId('ins')): Promise<Instance> {
    const { pools, images, media, storagePools, hosts: hostsService } = this.deps;
    const pool = pools.get(input.pool);
    const storage = storagePools.specOf(pool.storagePoolId);
    const image = input.disk.source === 'image' ? images.assertReady(images.get(input.disk.imageId)) : undefined;
    const iso = input.mediaId ? media.get(input.mediaId) : undefined;
    const diskSizeBytes = input.disk.sizeGiB !== undefined ? input.disk.sizeGiB * GiB : (image?.virtualSizeBytes ?? 0);
    const dataDisks = input.dataDisks.map((d) => ({ sizeBytes: d.sizeGiB * GiB, ...(d.filesystem ? { filesystem: d.filesystem } : {}), ...(d.mountPoint ? { mountPoint: d.mountPoint } : {}) }));
    const formatted = input.dataDisks.findIndex((d) => d.filesystem !== undefined);
    if (formatted >= 0 && input.disk.source !== 'image')
      throw new AppError('cloud_init_needs_image', `Data disk ${formatted + 1} asks for a filesystem, which cloud-init makes: that needs a system disk from an image (disk.source 'image'), not a ${input.disk.source} disk.`, [{ field: `dataDisks.${formatted}.filesystem`, message: 'Only with disk.source "image".' }]);
    const cloudInit = cloudInitToStore(input);
    if (image) assertFits(image, diskSizeBytes, input.disk.sizeGiB);
    const { maxCores, maxMemoryMiB } = maximums(input);
    const pinnedHostId = input.hostId === undefined ? undefined : hostsService.get(input.hostId).id;
    // Free space and network state read live (outside the synchronous transaction); disks are thin, so this only refuses what can never fit.
    const poolHosts = this.deps.db.select({ id: hosts.id }).from(hosts).where(eq(hosts.poolId, pool.id)).all().map((h) => h.id);
    const asked = pinnedHostId ? poolHosts.filter((id) => id === pinnedHostId) : poolHosts;
    await hostsService.refreshStorage(asked, storage);
    const missingNetworks = await missingNetworksByHost(this.deps.runtime.deps.networks, hostsService, asked, input.nics?.map((n) => n.network ?? pool.networkId) ?? [pool.networkId]);
    const instance = this.deps.db.transaction((tx) => {
      if (tx.select({ id: instances.id }).from(instances).where(and(eq(instances.poolId, pool.id), eq(instances.name, input.name))).get())
        throw new AppError('instance_name_taken', `An instance named '${input.name}' already exists in pool '${pool.name}'.`);
      // The candidates' claims are read and this instance's claim (its row; triggers add it to host_claims) written in one synchronous
      // transaction: concurrent creates cannot over-book a host. `db` (one better-sqlite3 connection) reads inside `tx`, with a prepared statement.
      const candidates = hostCandidates(this.deps.db, hostsService, storage.id, { poolId: pool.id, loadOf: this.deps.loadOf, missingNetworks });
      const placement = placeInstance(candidates, {
        poolId: pool.id, cores: input.cores, memoryMiB: input.memoryMiB, diskBytes: diskSizeBytes + dataDisks.reduce((n, d) => n + d.sizeBytes, 0),
        cpuOvercommit: pool.cpuOvercommit, memoryOvercommit: pool.memoryOvercommit, diskOvercommit: pool.diskOvercommit, cpuLoadCeiling: pool.cpuLoadCeiling, pinnedHostId,
      });
      if (placement.hostId === undefined) {
        const none = pinnedHostId ? `host '${input.hostId}' is not in the pool` : 'the pool has no hosts';
        throw new NoHostFitsError(`No host in pool '${pool.name}' can take ${input.cores} cores and ${input.memoryMiB} MiB: ${placement.reasons.join('; ') || none}.`, placement.hosts);
      }
      const row = this.deps.store.insert({
        id, name: input.name, poolId: pool.id, hostId: placement.hostId, storagePoolId: storage.id, cores: input.cores, memoryMiB: input.memoryMiB,
        maxCores, maxMemoryMiB, description: input.description, diskSizeBytes, dataDisks, imageId: image?.id ?? null, cloneMode: input.disk.source === 'blank' ? 'blank' : input.disk.clone,
        mediaId: iso?.id ?? null, state: 'creating', domainName: `ob-${id}`, domainUuid: newUuid(), vncPassword: newVncPassword(),
        autostart: input.autostart, cloudInit, qos: input.qos ?? null, ...ownedBy(actor),
      });
      // Addresses and MACs are picked in this same transaction: concurrent creates never share one.
      this.deps.runtime.deps.nics.insertForNew(tx as unknown as Db, id, pool, input.nics);
      return row;
    });
    this.deps.audit.record(actor, 'create', 'instance', instance.id, instance.name);
    return instance;
  }

  /** Makes a placed instance on its host (disks, seed, domain; started when asked); a failure leaves nothing half-made. */
  async build(row: Instance, start: boolean, progress: Progress): Promise<void> {
    const { runtime, store } = this.deps;
    const agent = runtime.agentFor(row);
    const pool = runtime.poolOf(row);
    try {
      await Reverter.run(async (reverter) => {
        const plan = await this.diskPlan(row, progress);
        progress(0.3, 'Creating the disks');
        await callAgent(row.name, () => agent.volumes.createInstanceDisks(row.id, pool, plan, (f) => progress(0.3 + f * 0.55, 'Copying the image')));
        reverter.add('remove disks', () => agent.volumes.deleteInstance(row.id, pool));
        const nics = runtime.deps.nics.list(row.id);
        if (nics.length) progress(0.86, 'Setting up the network');
        await runtime.syncNetworks(row.name, nics.map((n) => n.networkId));
        const seed = runtime.seedOf(row);
        if (seed) {
          progress(0.88, 'Writing the cloud-init seed');
          await callAgent(row.name, () => agent.seeds.write(row.id, pool, seed));
        }
        progress(0.9, 'Defining the virtual machine');
        await runtime.define(agent, row, { reverter });
        if (start) {
          progress(0.95, 'Starting');
          await callAgent(row.name, () => agent.domains.start(row.domainName));
          reverter.add('stop domain', () => agent.domains.destroy(row.domainName));
        }
        store.setState(row.id, start ? 'running' : 'stopped');
      });
    } catch (err) {
      // When cleanup itself failed, keep the row so a delete can finish the job; else nothing remains.
      if (err instanceof RevertError) store.setState(row.id, 'error', `Creation failed and cleanup is incomplete: ${err.message}. Delete the instance to retry the cleanup.`, 'interrupted_create');
      else {
        const networkIds = runtime.deps.nics.list(row.id).map((n) => n.networkId);
        store.delete(row.id); // its NICs and their addresses go with it
        await runtime.syncNetworks(row.name, networkIds).catch(() => undefined);
      }
      throw err;
    }
  }

  /** The disk plan; an image is copied to the host first (once per host), with progress. */
  private async diskPlan(row: Instance, progress: Progress): Promise<DiskPlan> {
    const data = row.dataDisks;
    if (row.cloneMode === 'blank' || !row.imageId) return { system: { source: 'blank', sizeBytes: row.diskSizeBytes }, data };
    const { ref, source } = this.deps.images.artifact(this.deps.images.get(row.imageId));
    const agent = this.deps.runtime.agentFor(row);
    progress(0.02, 'Copying the image to the host');
    await callAgent(row.name, () => agent.volumes.ensureArtifact(ref, source, (f) => progress(0.02 + f * 0.28, 'Copying the image to the host')));
    return { system: { source: row.cloneMode, image: ref, sizeBytes: row.diskSizeBytes }, data };
  }
}

/** The maximums for live changes: at least the current values (a lower one is refused, not raised). */
function maximums(input: CreateInstanceInput): { maxCores: number; maxMemoryMiB: number } {
  const { cores, memoryMiB, maxCores = cores, maxMemoryMiB = memoryMiB } = input;
  const errors = [
    ...(maxCores < cores ? [{ field: 'maxCores', message: `At least cores (${cores}).` }] : []),
    ...(maxMemoryMiB < memoryMiB ? [{ field: 'maxMemoryMiB', message: `At least memoryMiB (${memoryMiB}).` }] : []),
  ];
  if (errors.length)
    throw new AppError('maximum_below_current', `The maximums for a running instance cannot be below its start values: ${[maxCores < cores && `maxCores ${maxCores} < cores ${cores}`, maxMemoryMiB < memoryMiB && `maxMemoryMiB ${maxMemoryMiB} < memoryMiB ${memoryMiB}`].filter(Boolean).join(', ')}.`, errors);
  return { maxCores, maxMemoryMiB };
}

function assertFits(image: Image, diskSizeBytes: number, askedGiB: number | undefined): void {
  if (diskSizeBytes >= image.virtualSizeBytes) return;
  throw new AppError('disk_smaller_than_image', `The system disk (${askedGiB} GiB) cannot be smaller than the image '${image.name}' (${(image.virtualSizeBytes / GiB).toFixed(2)} GiB).`, [{ field: 'disk.sizeGiB', message: 'Smaller than the image.' }]);
}
