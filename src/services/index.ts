/** Composition of the services: one object the API receives. */
import type { HostAgents } from '../cluster/host-agent.js';
import type { Db } from '../db/client.js';
import type { CpuMode } from '../hypervisor/types.js';
import type { StorageDriver } from '../storage/driver.js';
import { AuditService } from './audit.js';
import { AuthService } from './auth.js';
import { ConsoleService } from './consoles.js';
import { HostsService } from './hosts.js';
import { ImagesService } from './images.js';
import { InstancePowerService } from './instance-power.js';
import { InstanceStatsService } from './instance-stats.js';
import { InstanceStore } from './instance-store.js';
import { InstancesService } from './instances.js';
import { MediaService } from './media.js';
import { OperationsService } from './operations.js';
import type { DataPaths } from './paths.js';
import { PoolsService } from './pools.js';
import { SetupCode } from './setup-code.js';

/** Everything the API can call. */
export interface Services {
  audit: AuditService;
  auth: AuthService;
  operations: OperationsService;
  pools: PoolsService;
  hosts: HostsService;
  images: ImagesService;
  media: MediaService;
  instances: InstancesService;
  power: InstancePowerService;
  consoles: ConsoleService;
  stats: InstanceStatsService;
}

/** What the services are built from. */
export interface ServiceConfig {
  db: Db;
  agents: HostAgents;
  paths: DataPaths;
  /** Storage driver of the controller's own host (images and media live there). */
  storage: StorageDriver;
  kvmCpu: CpuMode;
  vncListen: string;
  stopTimeoutMs?: number;
  consoleTokenTtlMs?: number;
}

/** Builds every service. */
export function createServices(cfg: ServiceConfig): Services {
  const audit = new AuditService(cfg.db);
  const operations = new OperationsService(cfg.db);
  const pools = new PoolsService(cfg.db, audit);
  const images = new ImagesService(cfg.db, cfg.storage, cfg.paths, audit);
  const media = new MediaService(cfg.db, cfg.paths, audit);
  const store = new InstanceStore(cfg.db);
  const instances = new InstancesService({
    db: cfg.db, store, agents: cfg.agents, paths: cfg.paths, pools, images, media, operations, audit,
    kvmCpu: cfg.kvmCpu, vncListen: cfg.vncListen,
  });
  return {
    audit,
    auth: new AuthService(cfg.db, audit, new SetupCode(cfg.paths.setupCode)),
    operations,
    pools,
    hosts: new HostsService(cfg.db, cfg.agents, audit, cfg.paths.root),
    images,
    media,
    instances,
    power: new InstancePowerService(store, instances, media, operations, audit, cfg.stopTimeoutMs),
    consoles: new ConsoleService(store, instances, audit, cfg.consoleTokenTtlMs),
    stats: new InstanceStatsService(instances),
  };
}
