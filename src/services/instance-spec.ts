/** Turns an instance row (plus its host and media) into the DomainSpec the hypervisor defines. Pure. */
import type { instances } from '../db/schema.js';
import type { Accel, CpuMode, DomainSpec } from '../hypervisor/types.js';
import { dataDiskTarget } from '../shared/instance-states.js';
import type { DataPaths } from './paths.js';

type InstanceRow = typeof instances.$inferSelect;

/** Guest device of the single CD-ROM drive every instance has. */
export const CDROM_TARGET = 'sda';

/** Guest device of the cloud-init seed drive (instances created with cloud-init options). */
export const SEED_TARGET = 'sdb';


/** Inputs besides the row. */
export interface SpecContext {
  paths: DataPaths;
  accel: Accel;
  /** CPU model under KVM; ignored under TCG. */
  kvmCpu: CpuMode;
  /** Absolute path of the inserted ISO, if any. */
  isoPath?: string;
  /** Boot the CD-ROM first (start from ISO). */
  bootFromCdrom?: boolean;
  vncListen: string;
}

/** The domain spec of an instance. */
export function domainSpecFor(row: InstanceRow, ctx: SpecContext): DomainSpec {
  const cdromFirst = ctx.bootFromCdrom === true && ctx.isoPath !== undefined;
  return {
    name: row.domainName,
    uuid: row.domainUuid,
    title: row.name,
    instanceId: row.id,
    accel: ctx.accel,
    cpu: ctx.accel === 'kvm' ? ctx.kvmCpu : { kind: 'named', model: 'qemu64' },
    vcpus: row.cores,
    memoryMiB: row.memoryMiB,
    disks: [
      { path: ctx.paths.systemDisk(row.id), format: 'qcow2', target: 'vda', bootOrder: cdromFirst ? 2 : 1 },
      ...row.dataDisks.map((_, i) => ({ path: ctx.paths.dataDisk(row.id, i), format: 'qcow2' as const, target: dataDiskTarget(i) })),
    ],
    cdrom: { path: ctx.isoPath, target: CDROM_TARGET, bootOrder: cdromFirst ? 1 : ctx.isoPath ? 2 : undefined },
    ...(row.cloudInit ? { seed: { path: ctx.paths.seedIso(row.id), target: SEED_TARGET } } : {}),
    nics: [],
    vnc: { listen: ctx.vncListen, password: row.vncPassword },
    serialLogPath: ctx.paths.serialLog(row.id),
  };
}
