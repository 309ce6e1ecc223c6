/**
 * Work on a stopped instance's disks that copies data: building an image from its system disk
 * (flattened and compressed on the host, then stored in the library under an id chosen up
 * front), compacting a disk (rewritten beside itself and swapped in), and resetting the system
 * disk to a new linked clone of its image with a new cloud-init instance-id.
 *
 * Each runs in an operation while the instance is held (store.hold): start, modify,
 * disk changes and delete answer 409 instance_busy at once until the operation ends. A restart
 * ends every hold; the library and the host sweep what a cut-off build left, so no half-made
 * image is ever visible.
 */
import { hasSnapshots } from './snapshots.js';
import { AppError } from '../../lib/errors.js';
import { log } from '../../lib/log.js';
import { newId } from '../../lib/ids.js';
import type { CreateImageFromInstanceInput } from '../../shared/instance-images.js';
import { dataDiskTarget } from '../../shared/instance-states.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import type { ImagesService } from '../images.js';
import type { Operation, OperationsService } from '../operations.js';
import type { InstanceRuntime } from './runtime.js';
import { dataDisksOf } from './spec.js';
import { STICKY_ERRORS, type Instance, type InstanceStore } from './store.js';

/** What the disk jobs need. */
export interface DiskJobsDeps {
  store: InstanceStore;
  runtime: InstanceRuntime;
  images: ImagesService;
  operations: OperationsService;
  audit: AuditService;
}

const MiB = 1024 ** 2;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** Builds images from instances, compacts disks and resets system disks. */
export class InstanceDiskJobs {
  constructor(private readonly deps: DiskJobsDeps) {}

  /** Starts building an image from the stopped instance's system disk; the operation's target is the new image's id. */
  async createImage(idOrName: string, input: CreateImageFromInstanceInput, actor: Actor): Promise<Operation> {
    const { images, operations, runtime } = this.deps;
    return this.holdStopped(idOrName, 'make an image from', 'building an image from its system disk', async (row, release) => {
      images.assertNameFree(input.name);
      const agent = runtime.agentFor(row);
      const imageId = newId('img');
      this.deps.audit.record(actor, 'create_image', 'instance', row.id, input.name);
      return operations.start('instance.create-image', { type: 'image', id: imageId }, actor, async (ctx) => {
        const buildId = newId('bld');
        try {
          ctx.progress(0, 'Flattening and compressing the system disk');
          const { sizeBytes } = await callAgent(row.name, () =>
            agent.volumes.buildImage(row.id, runtime.poolOf(row), buildId, (f) => ctx.progress(f * 0.8, 'Flattening and compressing the system disk')),
          );
          ctx.progress(0.8, 'Checksumming and storing the image');
          const file = await callAgent(row.name, () => agent.volumes.openBuild(buildId));
          const image = await images.storeBuilt(imageId, file, sizeBytes, { name: input.name, description: input.description, os: input.osType, tags: input.tags }, actor);
          ctx.progress(1, `Image '${image.name}' is ready (${mib(image.sizeBytes)}).`);
        } finally {
          release();
          await agent.volumes.discardBuild(buildId).catch((err: unknown) => log.warn('a built image file could not be removed from its host', { build: buildId, error: String(err) }));
        }
      });
    });
  }

  /** Starts compacting one disk of the stopped instance; the operation's final message gives the sizes before and after. */
  async compactDisk(idOrName: string, diskId: string, actor: Actor): Promise<Operation> {
    const { operations, runtime } = this.deps;
    return this.holdStopped(idOrName, 'compact a disk of', 'compacting a disk', async (row, release) => {
      const volume = diskVolumeOf(row, diskId);
      const agent = runtime.agentFor(row);
      return operations.start('instance.compact-disk', { type: 'instance', id: row.id }, actor, async (ctx) => {
        try {
          ctx.progress(0, `Compacting ${volume.device}`);
          const sizes = await callAgent(row.name, () => agent.volumes.compactDisk(row.id, runtime.poolOf(row), volume.id, (f) => ctx.progress(f * 0.99, `Compacting ${volume.device}`)));
          this.deps.audit.record(actor, 'compact_disk', 'instance', row.id, `${volume.device}: ${mib(sizes.beforeBytes)} → ${mib(sizes.afterBytes)}`);
          ctx.progress(1, `${volume.device} compacted: ${sizes.beforeBytes} → ${sizes.afterBytes} bytes on the host (${mib(sizes.beforeBytes)} → ${mib(sizes.afterBytes)}).`);
        } finally {
          release();
        }
      });
    });
  }

  /** Starts replacing the stopped instance's system disk by a new linked clone of its image (data disks kept) with a new cloud-init instance-id; the instance is held meanwhile. */
  async resetSystemDisk(idOrName: string, actor: Actor): Promise<Operation> {
    const { images, operations, runtime, store } = this.deps;
    return this.holdStopped(idOrName, 'reset the system disk of', 'resetting its system disk', async (row, release) => {
      if (row.cloneMode === 'blank')
        throw new AppError('instance_has_no_image', `Instance '${row.name}' was created with a blank system disk; there is no image to reset it from.`);
      const image = row.imageId ? images.find(row.imageId) : undefined;
      if (!image)
        throw new AppError('instance_image_gone', `The image instance '${row.name}' was created from has been deleted; its system disk cannot be reset.`);
      const agent = runtime.agentFor(row);
      const pool = runtime.poolOf(row);
      this.deps.audit.record(actor, 'reset_system_disk', 'instance', row.id, `from image ${image.name}`);
      return operations.start('instance.reset-system-disk', { type: 'instance', id: row.id }, actor, async (ctx) => {
        try {
          const { ref, source } = images.artifact(image);
          ctx.progress(0, `Copying image '${image.name}' to the host`);
          await callAgent(row.name, () => agent.volumes.ensureArtifact(ref, source, (f) => ctx.progress(f * 0.8, `Copying image '${image.name}' to the host`)));
          ctx.progress(0.8, 'Replacing the system disk');
          const sizeBytes = Math.max(row.diskSizeBytes, image.virtualSizeBytes);
          await callAgent(row.name, () => agent.volumes.resetSystemDisk(row.id, pool, ref, sizeBytes));
          const next = store.update(row.id, { cloneMode: 'linked', diskSizeBytes: sizeBytes, systemDiskResets: row.systemDiskResets + 1 });
          const seed = runtime.seedOf(next);
          if (seed) {
            ctx.progress(0.9, 'Writing the cloud-init seed');
            await callAgent(row.name, () => agent.seeds.write(row.id, pool, seed));
          }
          ctx.progress(1, `The system disk of '${row.name}' is a fresh linked clone of image '${image.name}'.`);
        } finally {
          release();
        }
      });
    });
  }

  /** Checks the instance is stopped without snapshots (under its lock), holds it, and runs `start` (which must call `release` when its work ends). */
  async holdStopped<T>(idOrName: string, verb: string, task: string, start: (row: Instance, release: () => void) => Promise<T>): Promise<T> {
    const { store } = this.deps;
    const id = store.get(idOrName).id;
    return store.withLock(id, async () => {
      const row = await this.stoppedRow(id, verb);
      const release = store.hold(row.id, task);
      try {
        return await start(row, release);
      } catch (err) {
        release();
        throw err;
      }
    });
  }

  /** The row, refreshed from its host; 409 unless it is stopped. */
  private async stoppedRow(id: string, verb: string): Promise<Instance> {
    const { store, runtime } = this.deps;
    const stored = store.get(id);
    if (stored.errorCode && STICKY_ERRORS.has(stored.errorCode)) throw new AppError('instance_needs_repair', `Cannot ${verb} instance '${stored.name}': ${stored.stateReason}`);
    const row = stored.state === 'stopped' ? await runtime.refreshState(stored) : stored;
    if (row.state !== 'stopped') throw new AppError('instance_must_be_stopped', `Instance '${row.name}' is ${row.state}; stop it first to ${verb} it.`);
    // With snapshots the guest writes to overlays on top of the disk volumes: building, compacting or
    // resetting the volume underneath would read stale data or break the snapshot chain.
    if (hasSnapshots(store.db, row.id))
      throw new AppError('instance_has_snapshots', `Cannot ${verb} instance '${row.name}' while it has snapshots; delete its snapshots first.`);
    return row;
  }
}

/** The volume and device of a disk id of the row; disk_not_found otherwise. */
function diskVolumeOf(row: Instance, diskId: string): { id: 'system' | `data-${number}`; device: string } {
  if (diskId === 'system') return { id: 'system', device: 'vda' };
  const disk = dataDisksOf(row).find((d) => `data-${d.slot}` === diskId);
  if (!disk) throw new AppError('disk_not_found', `Instance '${row.name}' has no disk '${diskId}' (it has system${dataDisksOf(row).map((d) => `, data-${d.slot}`).join('')}).`);
  return { id: `data-${disk.slot}`, device: dataDiskTarget(disk.slot) };
}
