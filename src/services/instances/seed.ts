/**
 * The cloud-init side of an instance: what is stored from the create request (the password
 * only as a SHA-512 crypt hash) and the plain seed input a host builds the ISO from.
 * Hostname = instance name, cloud-init instance-id = instance id (with `-r<n>` after the n-th
 * reset of the system disk, so cloud-init sees a new instance and runs again).
 */
import type { CloudInitSpec } from '../../cluster/agent-types.js';
import type { DataDiskFormatSpec, StaticNetworkSpec } from '../../cloudinit/seed.js';
import { dataDiskTarget } from '../../shared/instance-states.js';
import { dataDisksOf } from './spec.js';
import type { instances } from '../../db/schema.js';
import { sha512Crypt } from '../../lib/sha512-crypt.js';
import { AppError } from '../../lib/errors.js';
import type { CreateInstanceInput } from '../../shared/schemas.js';

type InstanceRow = typeof instances.$inferSelect;

/** The cloud-init options as stored on the instance row. */
export type StoredCloudInit = NonNullable<InstanceRow['cloudInit']>;

/** Checks the request's cloud-init options and turns them into what the row stores (null = no seed). */
export function cloudInitToStore(input: CreateInstanceInput): StoredCloudInit | null {
  const options = input.cloudInit;
  if (options === undefined) return null;
  if (input.disk.source !== 'image')
    throw new AppError('cloud_init_needs_image', `cloud-init options need a system disk from an image (disk.source 'image'); a ${input.disk.source} disk has no cloud-init to read them.`, [{ field: 'cloudInit', message: 'Only with disk.source "image".' }]);
  return {
    ...(options.password !== undefined ? { passwordHash: sha512Crypt(options.password) } : {}),
    ...(options.sshAuthorizedKeys?.length ? { sshAuthorizedKeys: options.sshAuthorizedKeys } : {}),
    ...(options.userData !== undefined ? { userData: options.userData } : {}),
  };
}

/**
 * The seed input of an instance: with cloud-init options, or with a static address (cloud-init's
 * network config carries it); undefined for neither, and for disks that have no cloud-init.
 */
export function seedFor(row: InstanceRow, staticNetwork: StaticNetworkSpec | undefined): CloudInitSpec | undefined {
  const options = row.cloudInit;
  const dataDisks = formattedDataDisks(row);
  if (!options && !((staticNetwork || dataDisks.length > 0) && row.imageId && row.cloneMode !== 'blank')) return undefined;
  return {
    instanceId: cloudInitInstanceId(row),
    hostname: row.name,
    password: options?.passwordHash,
    sshAuthorizedKeys: options?.sshAuthorizedKeys,
    userData: options?.userData,
    ...(staticNetwork ? { staticNetwork } : {}),
    ...(dataDisks.length > 0 ? { dataDisks } : {}),
  };
}

/** The cloud-init instance-id of the row's seed: the instance id, and after a system disk reset a new one. */
export function cloudInitInstanceId(row: Pick<InstanceRow, 'id' | 'systemDiskResets'>): string {
  return row.systemDiskResets > 0 ? `${row.id}-r${row.systemDiskResets}` : row.id;
}

/** The data disks cloud-init formats (and mounts): device by slot, label onebox-data<slot> (xfs allows 12 characters). */
function formattedDataDisks(row: InstanceRow): DataDiskFormatSpec[] {
  return dataDisksOf(row).flatMap((d) =>
    d.filesystem ? [{ device: `/dev/${dataDiskTarget(d.slot)}`, filesystem: d.filesystem, label: `onebox-data${d.slot}`, ...(d.mountPoint ? { mountPoint: d.mountPoint } : {}) }] : [],
  );
}
