/**
 * Rows become wire types here and nowhere else: each presenter names every field it shows,
 * so internal columns (file names, secrets) cannot leak and tsc catches any drift between the
 * database and the shared response types.
 */
import { DEFAULT_QOS } from '../shared/qos.js';
import type { Host as HostRow } from '../services/hosts.js';
import type { Image as ImageRow } from '../services/images.js';
import { dataDisksOf, maximumsOf } from '../services/instances/spec.js';
import type { Instance as InstanceRow } from '../services/instances/store.js';
import type { Media as MediaRow } from '../services/media.js';
import type { Operation as OperationRow } from '../services/operations.js';
import type { Pool as PoolRow } from '../services/pools.js';
import type { StoragePool as StoragePoolRow } from '../services/storage-pools.js';
import type { AddressPoolRow } from '../services/address-pools.js';
import type { NicRow } from '../services/instances/nics.js';
import type { NetworkRow } from '../services/networks.js';
import type { AddressPool, Host, Image, Instance, Media, Network, Nic, Operation, Pool, StoragePool } from '../shared/api-types.js';

/** The instance with its NICs: no VNC password (it has its own endpoint), no cloud-init password hash or user data. */
export function presentInstance(row: Readonly<InstanceRow>, defaultStoragePoolId: string, nics: readonly NicRow[]): Instance {
  const c = row.cloudInit;
  return {
    nics: nics.map(presentNic),
    address: nics.find((n) => n.address)?.address ?? null,
    id: row.id, name: row.name, groupId: row.groupId, poolId: row.poolId, hostId: row.hostId, cores: row.cores, memoryMiB: row.memoryMiB,
    ...maximumsOf(row), description: row.description, qos: row.qos ?? DEFAULT_QOS,
    diskSizeBytes: row.diskSizeBytes, dataDisks: dataDisksOf(row), imageId: row.imageId, cloneMode: row.cloneMode, mediaId: row.mediaId,
    storagePoolId: row.storagePoolId ?? defaultStoragePoolId, state: row.state, stateReason: row.stateReason, errorCode: row.errorCode,
    domainName: row.domainName, domainUuid: row.domainUuid, autostart: row.autostart, createdAt: row.createdAt, updatedAt: row.updatedAt,
    cloudInit: c && { passwordSet: c.passwordHash !== undefined, sshAuthorizedKeys: c.sshAuthorizedKeys ?? [], userDataSet: c.userData !== undefined },
  };
}

/** The host with its live state and the capacity it last reported (for its pool's storage pool). */
export function presentHost(row: HostRow, live: { online: boolean; storage: Host['storage']; storagePoolId: string }): Host {
  const storage = live.storage;
  const own = storage.find((s) => s.poolId === live.storagePoolId);
  return {
    id: row.id, name: row.name, address: row.address, poolId: row.poolId, enabled: row.enabled, accel: row.accel, accelReason: row.accelReason,
    cpus: row.cpus, memoryMiB: row.memoryMiB, libvirtVersion: row.libvirtVersion, hypervisorVersion: row.hypervisorVersion, isLocal: row.isLocal,
    lastSeenAt: row.lastSeenAt, createdAt: row.createdAt, online: live.online, state: live.online ? 'online' : 'lost',
    ...(own ? { diskTotalBytes: own.totalBytes, diskFreeBytes: own.freeBytes } : {}),
    storage: storage.map((s) => ({ poolId: s.poolId, totalBytes: s.totalBytes, freeBytes: s.freeBytes })),
  };
}

export function presentImage(row: ImageRow): Image {
  return {
    id: row.id, name: row.name, description: row.description, os: row.os, format: row.format, sizeBytes: row.sizeBytes,
    virtualSizeBytes: row.virtualSizeBytes, sha256: row.sha256, defaultUser: row.defaultUser, tags: row.tags, state: row.state, createdAt: row.createdAt,
  };
}

export function presentMedia(row: MediaRow): Media {
  return { id: row.id, name: row.name, description: row.description, sizeBytes: row.sizeBytes, sha256: row.sha256, createdAt: row.createdAt };
}

export function presentPool(row: PoolRow, defaultStoragePoolId: string): Pool {
  return {
    networkId: row.networkId, addressPoolId: row.addressPoolId,
    id: row.id, name: row.name, cpuOvercommit: row.cpuOvercommit, memoryOvercommit: row.memoryOvercommit, diskOvercommit: row.diskOvercommit, cpuLoadCeiling: row.cpuLoadCeiling,
    storagePoolId: row.storagePoolId ?? defaultStoragePoolId, createdAt: row.createdAt,
    cpuModel: row.cpuBaseline?.model ?? null, cpuBaselineHosts: row.cpuBaselineHostIds,
  };
}

export function presentStoragePool(row: StoragePoolRow, computePoolIds: string[] = [], hosts: StoragePool['hosts'] = []): StoragePool {
  return {
    id: row.id, name: row.name, kind: row.kind, path: row.path, server: row.server, exportPath: row.exportPath, mountOptions: row.mountOptions,
    computePoolIds, hosts, createdAt: row.createdAt,
  };
}

export function presentOperation(row: OperationRow & { username?: string | null }): Operation {
  return {
    ...(row.username !== undefined ? { username: row.username } : {}),
    id: row.id, kind: row.kind, targetType: row.targetType, targetId: row.targetId, state: row.state, progress: row.progress, message: row.message,
    errorCode: row.errorCode, errorDetail: row.errorDetail, userId: row.userId, createdAt: row.createdAt, updatedAt: row.updatedAt,
    parentId: row.parentId, result: row.result ?? null, cancellable: row.cancellable === true,
  };
}

export function presentNetwork(row: NetworkRow, hosts: Network['hosts']): Network {
  return { id: row.id, name: row.name, kind: row.kind, bridge: row.bridge, subnet: row.subnet, gateway: row.gateway, createdAt: row.createdAt, hosts };
}

export function presentAddressPool(row: AddressPoolRow, usage: { size: number; allocated: number }): AddressPool {
  return {
    id: row.id, name: row.name, networkId: row.networkId, mode: row.mode, gateway: row.gateway, dnsServers: row.dnsServers, ranges: row.ranges,
    size: usage.size, allocated: usage.allocated, createdAt: row.createdAt,
  };
}

export function presentNic(row: NicRow): Nic {
  return { id: row.id, instanceId: row.instanceId, position: row.position, networkId: row.networkId, mac: row.mac, addressPoolId: row.addressPoolId, address: row.address };
}
