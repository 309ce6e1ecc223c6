/** Turns an instance row (plus its host's accelerator, pool and ISO) into the GuestSpec a host defines. Pure. */
import type { ArtifactRef, GuestDisk, GuestNic, GuestSpec, StoragePoolSpec } from '../../cluster/agent-types.js';
import type { instances } from '../../db/schema.js';
import type { Accel, CpuDefinition, CpuMode } from '../../hypervisor/types.js';
import { dataDiskTarget } from '../../shared/instance-states.js';
import { domainQosOf } from './qos.js';

type InstanceRow = typeof instances.$inferSelect;

/** Guest device of the single CD-ROM drive every instance has. */
export const CDROM_TARGET = 'sda';

/** Guest device of the cloud-init seed drive (instances created with cloud-init options). */
export const SEED_TARGET = 'sdb';

/** Inputs besides the row. */
export interface SpecContext {
  accel: Accel;
  /** CPU model under KVM; ignored under TCG. */
  kvmCpu: CpuMode;
  /** The pool's CPU baseline: when set, the guest gets exactly it under either accelerator. */
  poolCpu?: CpuDefinition;
  storagePool: StoragePoolSpec;
  /** This installation's id, recorded as the domain's owner. */
  owner: string;
  /** The NICs, in order. */
  nics: GuestNic[];
  /** The inserted ISO, if any. */
  media?: ArtifactRef;
  /** Whether the instance has a cloud-init seed volume. */
  withSeed: boolean;
  /** Boot the CD-ROM first (start from ISO). */
  bootFromCdrom?: boolean;
  vncListen: string;
}

/** The most cores and memory an instance can have while running (null: instances made before maximums had their current values). */
export function maximumsOf(row: Pick<InstanceRow, 'cores' | 'memoryMiB' | 'maxCores' | 'maxMemoryMiB'>): { maxCores: number; maxMemoryMiB: number } {
  return { maxCores: Math.max(row.maxCores ?? row.cores, row.cores), maxMemoryMiB: Math.max(row.maxMemoryMiB ?? row.memoryMiB, row.memoryMiB) };
}

/** The guest spec of an instance. */
/** A data disk of a row with its slot (volume `data-<slot>`, device vdb + slot); rows from before disks could be removed have none: their index. */
export interface DataDisk {
  slot: number;
  sizeBytes: number;
  /** The filesystem cloud-init makes on it at first boot, if asked at create. */
  filesystem?: 'ext4' | 'xfs';
  /** Where cloud-init mounts it, if asked at create. */
  mountPoint?: string;
}

/** The data disks of a row with their slots. */
export function dataDisksOf(row: Pick<InstanceRow, 'dataDisks'>): DataDisk[] {
  return row.dataDisks.map((d, i) => ({ slot: d.slot ?? i, sizeBytes: d.sizeBytes, ...(d.filesystem ? { filesystem: d.filesystem } : {}), ...(d.mountPoint ? { mountPoint: d.mountPoint } : {}) }));
}

/** The file a disk writes to when snapshots put one on it (nothing when it is still `<volume>.qcow2`). */
function fileOf(row: Pick<InstanceRow, 'diskFiles'>, volume: string): { file?: string } {
  const file = row.diskFiles[volume];
  return file ? { file } : {};
}

/** The instance's disks as its domain has them: the system disk on vda, the data disks after it. */
export function guestDisksOf(row: Pick<InstanceRow, 'dataDisks' | 'diskFiles'>, cdromFirst = false): GuestDisk[] {
  return [
    { volume: 'system', ...fileOf(row, 'system'), target: 'vda', bootOrder: cdromFirst ? 2 : 1 },
    ...dataDisksOf(row).map((d) => ({ volume: `data-${d.slot}` as const, ...fileOf(row, `data-${d.slot}`), target: dataDiskTarget(d.slot) })),
  ];
}

export function guestSpecFor(row: InstanceRow, ctx: SpecContext): GuestSpec {
  const cdromFirst = ctx.bootFromCdrom === true && ctx.media !== undefined;
  const max = maximumsOf(row);
  return {
    name: row.domainName,
    uuid: row.domainUuid,
    title: row.name,
    instanceId: row.id,
    owner: ctx.owner,
    accel: ctx.accel,
    cpu: ctx.poolCpu ? { kind: 'baseline', cpu: ctx.poolCpu } : ctx.accel === 'kvm' ? ctx.kvmCpu : { kind: 'named', model: 'qemu64' },
    vcpus: row.cores,
    maxVcpus: max.maxCores,
    memoryMiB: row.memoryMiB,
    maxMemoryMiB: max.maxMemoryMiB,
    storagePool: ctx.storagePool,
    disks: guestDisksOf(row, cdromFirst),
    cdrom: { media: ctx.media, target: CDROM_TARGET, bootOrder: cdromFirst ? 1 : ctx.media ? 2 : undefined },
    ...(ctx.withSeed ? { seed: { target: SEED_TARGET } } : {}),
    nics: ctx.nics,
    vnc: { listen: ctx.vncListen, password: row.vncPassword },
    qos: domainQosOf(row.qos),
  };
}
