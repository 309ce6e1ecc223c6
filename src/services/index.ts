/** Composition of the services: one object the API receives. */
import type { HostAgents } from '../cluster/host-agent.js';
import type { Db } from '../db/client.js';
import type { CpuMode } from '../hypervisor/types.js';
import type { SetupCode } from '../lib/setup-code.js';
import type { FileLibrary } from '../storage/library.js';
import { AddressPoolsService } from './address-pools.js';
import { AuditService } from './audit.js';
import { AuthService } from './auth.js';
import { HostNetworkingService } from './host-networking.js';
import { HostsService, type HostTimings } from './hosts.js';
import { PoolCpuService } from './pool-cpu.js';
import { ImagesService, type ImageImportOptions } from './images.js';
import { ConsoleService } from './instances/consoles.js';
import { InstanceBatches } from './instances/batch.js';
import { InstanceCreator } from './instances/create.js';
import { InstanceDeleter } from './instances/delete.js';
import { InstanceModifier } from './instances/modify.js';
import { InstanceDisks } from './instances/disks.js';
import { InstanceDiskJobs } from './instances/disk-jobs.js';
import { InstanceSnapshots } from './instances/snapshots.js';
import { InstanceCloner } from './instances/clone.js';
import { InstanceMigrator } from './instances/migrate.js';
import { HostEvacuator } from './evacuate.js';
import { GuestAddressesService } from './instances/guest-addresses.js';
import { GuestService } from './instances/guest.js';
import { InstanceNics } from './instances/nics.js';
import { InstancePowerService } from './instances/power.js';
import { InstanceReconciler } from './instances/reconcile.js';
import { InstanceRuntime } from './instances/runtime.js';
import { InstancesService } from './instances/service.js';
import { InstanceStatsService } from './instances/stats.js';
import { MetricsService } from './metrics.js';
import { InstanceStore } from './instances/store.js';
import { MediaService } from './media.js';
import { NetworksService } from './networks.js';
import { OperationsService } from './operations.js';
import { PoolsService } from './pools.js';
import { RbacService } from './rbac.js';
import { SecuritySettingsService } from './security-settings.js';
import { SettingsService } from './settings.js';
import { SetupService } from './setup.js';
import { StoragePoolProbes } from './storage-pool-probes.js';
import { StoragePoolsService } from './storage-pools.js';
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from './uploads.js';
import { UsageService } from './usage/service.js';
import { usageSeries } from '../shared/usage.js';
import { JoinService } from './join.js';
import { UsersService } from './users.js';

/** Everything the API (and the composition root) can call. */
export interface Services {
  audit: AuditService;
  auth: AuthService;
  /** User accounts and password changes. */
  users: UsersService;
  /** Session lifetimes and audit retention. */
  securitySettings: SecuritySettingsService;
  operations: OperationsService;
  pools: PoolsService;
  storagePools: StoragePoolsService;
  /** Per-host state of storage pools (mount, write check, free space). */
  storagePoolProbes: StoragePoolProbes;
  networks: NetworksService;
  addressPools: AddressPoolsService;
  hosts: HostsService;
  hostNetworking: HostNetworkingService;
  images: ImagesService;
  media: MediaService;
  instances: InstancesService;
  snapshots: InstanceSnapshots;
  power: InstancePowerService;
  /** Image from an instance, compact a disk, reset the system disk. */
  diskJobs: InstanceDiskJobs;
  /** Batch create and batch actions on a selection. */
  batches: InstanceBatches;
  /** Clone a stopped instance. */
  cloner: InstanceCloner;
  /** Move an instance to another host (cold; live through live-migration.ts). */
  migrator: InstanceMigrator;
  /** Move everything off a host. */
  evacuator: HostEvacuator;
  consoles: ConsoleService;
  stats: InstanceStatsService;
  metrics: MetricsService;
  guestAddresses: GuestAddressesService;
  guest: GuestService;
  reconciler: InstanceReconciler;
  setup: SetupService;
  usage: UsageService;
  /** Join tokens and joining servers. */
  join: JoinService;
  /** Groups, roles and the permission checks. */
  rbac: RbacService;
}

/** What the services are built from. */
export interface ServiceConfig {
  db: Db;
  agents: HostAgents;
  /** The controller's image and ISO files. */
  library: FileLibrary;
  /** The one-time setup code file of the data directory. */
  setupCode: SetupCode;
  uploadLimits?: UploadLimits;
  kvmCpu: CpuMode;
  vncListen: string;
  stopTimeoutMs?: number;
  /** How long a graceful stop waits on ACPI before asking the guest agent (default: 30 s, at most half of stopTimeoutMs). */
  acpiGraceMs?: number;
  consoleTokenTtlMs?: number;
  hostTimings?: HostTimings;
  /** URL imports of images: whether private addresses are allowed (default: no), resumptions. */
  imageImport?: ImageImportOptions;
  /** How long a change of an instance waits for an earlier one before answering 409 instance_busy. */
  lockWaitMs?: number;
}

/** Builds every service and wires hosts to the instance reconciler. */
export function createServices(cfg: ServiceConfig): Services {
  const { db, agents } = cfg;
  const audit = new AuditService(db);
  const operations = new OperationsService(db);
  const pools = new PoolsService(db, audit);
  const storagePools = new StoragePoolsService(db, audit);
  const poolCpu = new PoolCpuService(db, agents);
  const hosts = new HostsService(db, agents, storagePools, audit, poolCpu, cfg.hostTimings);
  const limits = cfg.uploadLimits ?? DEFAULT_UPLOAD_LIMITS;
  const forget = (ref: Parameters<HostsService['forgetArtifact']>[0]) => hosts.forgetArtifact(ref);
  const images = new ImagesService(db, cfg.library, limits, audit, forget, operations, cfg.imageImport);
  const media = new MediaService(db, cfg.library, limits, audit, forget);
  const store = new InstanceStore(db, cfg.lockWaitMs);
  const installationId = new SettingsService(db).installationId();
  const networks = new NetworksService(db, audit, () => hosts.routes(), () => hosts.attachedAgents());
  const addressPools = new AddressPoolsService(db, networks, audit);
  const nics = new InstanceNics(db, networks, addressPools);
  const runtime = new InstanceRuntime({
    db, store, agents, media, storagePools, kvmCpu: cfg.kvmCpu, poolCpu: (poolId) => poolCpu.cpuOf(poolId), vncListen: cfg.vncListen, installationId, nics, networks, attachedAgents: () => hosts.attachedAgents(),
  });
  const creator = new InstanceCreator({
    db, store, runtime, hosts, pools, storagePools, images, media, operations, audit,
    loadOf: (id) => usage.collector.latest.get(usageSeries('host', id))?.values,
  });
  const deleter = new InstanceDeleter(store, runtime, operations, audit);
  const power = new InstancePowerService(store, runtime, media, operations, audit, cfg.stopTimeoutMs, cfg.acpiGraceMs);
  const reconciler = new InstanceReconciler(store, runtime, networks);
  hosts.setListener(reconciler);
  const snapshots = new InstanceSnapshots({ db, store, runtime, operations, audit, hosts });
  reconciler.onAttached((hostId) => snapshots.reconcileHost(hostId));
  const diskJobs = new InstanceDiskJobs({ store, runtime, images, operations, audit });
  const migrator = new InstanceMigrator({
    db, store, runtime, hosts, pools, storagePools, images, operations, audit,
    loadOf: (id) => usage.collector.latest.get(usageSeries('host', id))?.values,
  });
  reconciler.onAttached((hostId) => migrator.sweepLeftovers(hostId));
  const securitySettings = new SecuritySettingsService(db, audit);
  audit.keepMs = () => securitySettings.get().auditRetentionDays * 86400_000;
  const auth = new AuthService(db, audit, cfg.setupCode, securitySettings);
  const guestAddresses = new GuestAddressesService(store, runtime, nics, networks, addressPools);
  const usage = new UsageService(db, { instances: store, hosts, pools, storagePools }, () => hosts.attachedAgentsById());
  return {
    join: new JoinService(db, audit),
    rbac: new RbacService(db, audit),
    usage,
    audit,
    auth,
    users: new UsersService(db, auth, audit),
    securitySettings,
    setup: new SetupService(auth, networks, addressPools, pools),
    operations,
    pools,
    storagePools,
    storagePoolProbes: new StoragePoolProbes(db, agents, hosts, storagePools),
    networks,
    addressPools,
    hosts,
    hostNetworking: new HostNetworkingService(hosts, agents, audit),
    images,
    media,
    instances: new InstancesService(store, runtime, creator, deleter, new InstanceModifier({ db, store, runtime, hosts, pools, audit }), new InstanceDisks({ store, runtime, audit }), pools, audit),
    snapshots,
    power,
    diskJobs,
    batches: new InstanceBatches({ store, creator, deleter, power, operations }),
    cloner: new InstanceCloner({ db, store, runtime, hosts, pools, storagePools, operations, audit }),
    migrator,
    evacuator: new HostEvacuator({ store, hosts, migrator, operations, audit }),
    consoles: new ConsoleService(store, runtime, audit, cfg.consoleTokenTtlMs),
    stats: new InstanceStatsService(store, runtime),
    guestAddresses,
    guest: new GuestService(store, runtime, images, guestAddresses, audit),
    metrics: new MetricsService({ db, hosts, pools, storagePools, runtime }),
    reconciler,
  };
}
