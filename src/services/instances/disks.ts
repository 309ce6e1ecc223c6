/**
 * An instance's disks after create: listed with what the host says about each volume, a blank
 * data disk added (stopped: in the definition; running: hot-plugged and in the definition), a
 * data disk removed (running: hot-unplugged first; if the guest does not let go, 409 and nothing
 * is deleted), a disk grown (stopped: qemu-img resize on the host; running: libvirt's block resize,
 * seen by the guest at once). Every check runs before the first change; the row is written last.
 *
 * All of this answers synchronously rather than with a 202 operation: a blank qcow2 is created
 * by writing its header (milliseconds whatever its size), growing a qcow2 only rewrites its header
 * and tables, a block resize is one QMP command, and a hot-unplug waits at most ~10 s for the guest.
 * None of it copies data, so none of it grows with the disk's size.
 */
import type { DiskVolume, DiskVolumeInfo } from '../../cluster/agent-types.js';
import type { HostAgent } from '../../cluster/host-agent.js';
import { AppError } from '../../lib/errors.js';
import { log } from '../../lib/log.js';
import { Reverter } from '../../lib/reverter.js';
import { MAX_DATA_DISKS, type AddDiskInput, type GrowDiskInput, type InstanceDisk } from '../../shared/disks.js';
import { canDo, dataDiskTarget, statesAllowing } from '../../shared/instance-states.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import type { InstanceRuntime } from './runtime.js';
import { hasSnapshots } from './snapshots.js';
import { dataDisksOf, type DataDisk } from './spec.js';
import { STICKY_ERRORS, type Instance, type InstanceStore } from './store.js';

const GiB = 1024 ** 3;

/** What the disk module needs. */
export interface DisksDeps {
  store: InstanceStore;
  runtime: InstanceRuntime;
  audit: AuditService;
}

/** One disk of a row: its id (= its volume), device and size as stored. */
interface RowDisk {
  id: DiskVolume;
  device: string;
  role: 'system' | 'data';
  sizeBytes: number;
}

/** Lists, adds, grows and removes the disks of instances. */
export class InstanceDisks {
  constructor(private readonly deps: DisksDeps) {}

  /** Every disk of the instance, system first; sizes on the host are asked live (null when the host does not answer). */
  async list(idOrName: string): Promise<InstanceDisk[]> {
    const row = this.deps.store.get(idOrName);
    let agent: HostAgent | undefined;
    try {
      agent = this.deps.runtime.agentFor(row);
    } catch {
      agent = undefined; // an offline host: the sizes as stored, the rest unknown
    }
    return Promise.all(disksOf(row).map(async (d) => present(row, d, agent && (await this.inspect(agent, row, d.id)))));
  }

  /** Adds a blank data disk on the lowest free device (vdb, vdc, …); hot-plugged when the instance runs. */
  async add(idOrName: string, input: AddDiskInput, actor: Actor): Promise<InstanceDisk> {
    return this.locked(idOrName, 'add a disk to', async (row) => {
      const data = dataDisksOf(row);
      if (data.length >= MAX_DATA_DISKS)
        throw new AppError('too_many_disks', `Instance '${row.name}' already has ${data.length} data disks, the most it can have.`);
      const sizeBytes = input.sizeGiB * GiB;
      const slot = [...Array(MAX_DATA_DISKS).keys()].find((s) => !data.some((d) => d.slot === s)) ?? 0;
      const disk: DataDisk = { slot, sizeBytes };
      const volume = `data-${slot}` as const;
      const { runtime } = this.deps;
      const agent = runtime.agentFor(row);
      const pool = runtime.poolOf(row);
      await this.refuseOverCapacity(agent, row, sizeBytes, `a ${input.sizeGiB} GiB disk`);
      await Reverter.run<void>(async (reverter) => {
        await callAgent(row.name, () => agent.volumes.createDisk(row.id, pool, volume, sizeBytes));
        reverter.add('delete the new volume', () => agent.volumes.deleteDisk(row.id, pool, volume));
        await callAgent(row.name, () => agent.domains.attachDisk(row.domainName, row.id, pool, { volume, target: dataDiskTarget(slot) }, { live: isLive(row), config: true }));
        this.deps.store.update(row.id, { dataDisks: [...data, disk].sort((a, b) => a.slot - b.slot) });
      });
      this.deps.audit.record(actor, 'add_disk', 'instance', row.id, `${dataDiskTarget(slot)} ${input.sizeGiB} GiB`);
      return present(row, { id: volume, device: dataDiskTarget(slot), role: 'data', sizeBytes }, await this.inspect(agent, row, volume));
    });
  }

  /** Grows a disk (system or data); stopped on the host with qemu-img, running online through the hypervisor. */
  async grow(idOrName: string, diskId: string, input: GrowDiskInput, actor: Actor): Promise<InstanceDisk> {
    return this.locked(idOrName, 'grow a disk of', async (row) => {
      const disk = diskOf(row, diskId);
      const sizeBytes = input.sizeGiB * GiB;
      const agent = this.deps.runtime.agentFor(row);
      if (sizeBytes < disk.sizeBytes)
        throw new AppError('disk_cannot_shrink', `Disk ${disk.device} of instance '${row.name}' is ${gib(disk.sizeBytes)} GiB and cannot shrink to ${input.sizeGiB} GiB: disks only grow.`, [{ field: 'sizeGiB', message: 'Disks only grow: give at least the current size.' }]);
      if (sizeBytes > disk.sizeBytes) {
        await this.refuseOverCapacity(agent, row, sizeBytes - disk.sizeBytes, `${disk.device} to ${input.sizeGiB} GiB`);
        if (isLive(row)) await callAgent(row.name, () => agent.domains.blockResize(row.domainName, disk.device, sizeBytes));
        else await callAgent(row.name, () => agent.volumes.resizeDisk(row.id, this.deps.runtime.poolOf(row), disk.id, sizeBytes));
        if (disk.role === 'system') this.deps.store.update(row.id, { diskSizeBytes: sizeBytes });
        else this.deps.store.update(row.id, { dataDisks: dataDisksOf(row).map((d) => (`data-${d.slot}` === disk.id ? { ...d, sizeBytes } : d)) });
        this.deps.audit.record(actor, 'grow_disk', 'instance', row.id, `${disk.device}: ${gib(disk.sizeBytes)} → ${input.sizeGiB} GiB`);
      }
      return present(row, { ...disk, sizeBytes }, await this.inspect(agent, row, disk.id));
    });
  }

  /** Removes a data disk and deletes its volume (running: only once the guest let go of it). */
  async remove(idOrName: string, diskId: string, actor: Actor): Promise<void> {
    await this.locked(idOrName, 'remove a disk from', async (row) => {
      const disk = diskOf(row, diskId);
      if (disk.role === 'system')
        throw new AppError('system_disk_not_removable', `The system disk (${disk.device}) of instance '${row.name}' cannot be removed; delete the instance instead.`);
      const { runtime, store } = this.deps;
      const agent = runtime.agentFor(row);
      await callAgent(row.name, () => agent.domains.detachDisk(row.domainName, disk.device, { live: isLive(row), config: true }));
      store.update(row.id, { dataDisks: dataDisksOf(row).filter((d) => `data-${d.slot}` !== disk.id) });
      this.deps.audit.record(actor, 'remove_disk', 'instance', row.id, `${disk.device} ${gib(disk.sizeBytes)} GiB`);
      // The disk is gone from the guest and the definition; a volume left behind goes with the instance.
      await agent.volumes.deleteDisk(row.id, runtime.poolOf(row), disk.id).catch((err: unknown) =>
        log.warn('a removed disk volume could not be deleted', { instance: row.id, volume: disk.id, error: err instanceof Error ? err.message : String(err) }),
      );
    });
  }

  /** Runs `work` under the instance's lock, after checking its state allows disk changes. */
  private async locked<T>(idOrName: string, verb: string, work: (row: Instance) => Promise<T>): Promise<T> {
    const { store } = this.deps;
    const id = checked(store.get(idOrName), verb).id;
    return store.withLock(id, async () => {
      const row = checked(store.get(id), verb);
      // Snapshots froze every disk's files: a disk added, removed or grown now would differ between the
      // snapshot and its overlays (and a revert could not bring it back). Delete the snapshots first.
      if (hasSnapshots(store.db, row.id))
        throw new AppError('instance_has_snapshots', `Cannot ${verb} instance '${row.name}' while it has snapshots; delete its snapshots first.`);
      return work(row);
    });
  }

  /** More virtual size than the instance's storage has free on its host can never be written: refused. */
  private async refuseOverCapacity(agent: HostAgent, row: Instance, extraBytes: number, what: string): Promise<void> {
    const { freeBytes } = await callAgent(row.name, () => agent.volumes.capacity(this.deps.runtime.poolOf(row)));
    if (extraBytes > freeBytes)
      throw new AppError('insufficient_storage', `The host of instance '${row.name}' has ${gib(freeBytes)} GiB free in its storage pool, not enough for ${what} (${gib(extraBytes)} GiB more).`, [{ field: 'sizeGiB', message: 'More than the free space of the host.' }]);
  }

  /** What the host says about a volume; undefined (logged) when it cannot say now. */
  private async inspect(agent: HostAgent, row: Instance, volume: DiskVolume): Promise<DiskVolumeInfo | undefined> {
    try {
      return await agent.volumes.inspectDisk(row.id, this.deps.runtime.poolOf(row), volume);
    } catch (err) {
      log.warn('a disk volume could not be inspected', { instance: row.id, volume, error: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  }
}

const gib = (bytes: number) => Number((bytes / GiB).toFixed(2));

/** Running or paused: changes reach the running domain too. */
const isLive = (row: Instance) => row.state === 'running' || row.state === 'paused';

/** The disks of a row, system first. */
function disksOf(row: Instance): RowDisk[] {
  return [
    { id: 'system', device: 'vda', role: 'system', sizeBytes: row.diskSizeBytes },
    ...dataDisksOf(row).map((d): RowDisk => ({ id: `data-${d.slot}`, device: dataDiskTarget(d.slot), role: 'data', sizeBytes: d.sizeBytes })),
  ];
}

function diskOf(row: Instance, diskId: string): RowDisk {
  const disk = disksOf(row).find((d) => d.id === diskId);
  if (!disk) throw new AppError('disk_not_found', `Instance '${row.name}' has no disk '${diskId}' (it has ${disksOf(row).map((d) => d.id).join(', ')}).`);
  return disk;
}

function present(row: Instance, disk: RowDisk, info: DiskVolumeInfo | undefined): InstanceDisk {
  return {
    id: disk.id, device: disk.device, role: disk.role, virtualSizeBytes: info?.virtualSizeBytes ?? disk.sizeBytes, actualSizeBytes: info?.actualSizeBytes ?? null,
    format: info?.format ?? null, backingImageId: disk.role === 'system' && row.cloneMode === 'linked' ? row.imageId : null,
  };
}

function checked(row: Instance, verb: string): Instance {
  if (row.errorCode && STICKY_ERRORS.has(row.errorCode)) throw new AppError('instance_needs_repair', `Cannot ${verb} instance '${row.name}': ${row.stateReason}`);
  if (!canDo('change-disks', row.state))
    throw new AppError('invalid_instance_state', `Cannot ${verb} instance '${row.name}' while it is ${row.state} (only when ${statesAllowing('change-disks').join(' or ')}).`);
  return row;
}
