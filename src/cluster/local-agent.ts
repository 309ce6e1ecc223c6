/**
 * LocalHostAgent: the HostAgent of the machine onebox runs on, in-process, built from the
 * hypervisor driver, a storage driver per pool, the cloud-init seed builder and the host's
 * own data directory. Every host path is decided here (and in HostPaths), never by services.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { writeSeedIso } from '../cloudinit/iso.js';
import { buildSeed, type CloudInitSpec } from '../cloudinit/seed.js';
import type { HypervisorDriver } from '../hypervisor/driver.js';
import { MigrationFailedError } from '../hypervisor/errors.js';
import { migrationUri } from '../hypervisor/libvirt/migration-tls.js';
import type { DomainSpec, DomainState, MigrationResult } from '../hypervisor/types.js';
import type { AccelDecision } from '../lib/accel.js';
import { ExecError, run } from '../lib/exec.js';
import type { ProgressFn, StorageDriver, StoragePoolSpec } from '../storage/driver.js';
import type { DiskFormat } from '../storage/inspector.js';
import { loadStorageDriver, type StorageDriverLoader } from '../storage/loader.js';
import { nfsUrl, resolveNfsMode, type NfsMode } from '../storage/nfs.js';
import type { AgentEvent, ArtifactRef, ConsoleKind, DiskPlan, DiskVolumeInfo, DomainStats, GuestSpec, HostFacts, HostUsage, LiveMigrationTarget, StorageCapacity, StoragePoolProbe } from './agent-types.js';
import { readNicCounters } from './host-nics.js';
import { ArtifactCache } from './artifact-cache.js';
import { HostBuilds } from './host-builds.js';
import { DiskChains } from './disk-chains.js';
import { InstanceTransfer } from './instance-transfer.js';
import { ArtifactMissingError, SeedBuildError } from './errors.js';
import type { ConsolesApi, DomainsApi, HostAgent, HostApi, SeedsApi, VolumesApi } from './host-agent.js';
import { HostBridges, pokeFromCommand } from './host-bridges.js';
import { HostNetworks, libvirtNetworkName } from './host-networks.js';
import { HostPaths } from './host-paths.js';
import { sweepDiskJobLeftovers } from './disk-job-leftovers.js';
import { DnsmasqSupervisor } from '../network/dnsmasq.js';
import { IpTool } from '../network/ip-tool.js';
import { log } from '../lib/log.js';

/** What a local agent is made of. */
export interface LocalHostAgentOptions {
  /** The host's data directory (console logs, artifact copies, the default local pool). */
  dataDir: string;
  hypervisor: HypervisorDriver;
  accel: AccelDecision;
  /** Builds the storage driver of a pool; the real loader by default (tests pass fakes). */
  storage?: StorageDriverLoader;
  /** Run the host's network commands (ip, dnsmasq) inside this network namespace: a test lab's "host". */
  netns?: string;
  /** How NFS pools are reached: the kernel client (`mount`), QEMU's NFS driver (`qemu`), or `auto` (the default: `mount` when the kernel has a client). */
  nfsMode?: NfsMode;
  /** This host's migration client certificate directory (pkipath: see hypervisor/libvirt/migration-tls.ts); without it live migration from here is refused. */
  migrationPkiDir?: string;
}

/**
 * Where dnsmasq keeps its files: outside the (0700) data directory, because dnsmasq re-reads its
 * hosts file as an unprivileged user; one directory per data directory (per onebox).
 */
function dnsmasqDir(dataDir: string): string {
  return join(DNSMASQ_ROOT, 'dnsmasq', createHash('sha256').update(dataDir).digest('hex').slice(0, 16));
}
const DNSMASQ_ROOT = '/run/onebox';

/** Volume name of an instance's file in its pool. */
const volumeOf = (instanceId: string, file: string) => `${instanceId}/${file}`;

/** The in-process HostAgent. */
export class LocalHostAgent implements HostAgent {
  readonly paths: HostPaths;
  readonly host: HostApi;
  readonly domains: DomainsApi;
  readonly volumes: VolumesApi;
  readonly seeds: SeedsApi;
  readonly consoles: ConsolesApi;
  readonly networks: HostNetworks;
  private readonly ip: IpTool;
  private readonly artifacts: ArtifactCache;
  private readonly builds: HostBuilds;
  private readonly transfer: InstanceTransfer;
  private readonly pools = new Map<string, Promise<StorageDriver>>();
  private resolvedNfsMode: Promise<'mount' | 'qemu'> | undefined;
  private cpu: Promise<string> | undefined;

  constructor(private readonly opts: LocalHostAgentOptions) {
    this.paths = new HostPaths(opts.dataDir);
    this.artifacts = new ArtifactCache(this.paths);
    this.builds = new HostBuilds(this.paths);
    this.transfer = new InstanceTransfer(this.paths, (spec) => this.pool(spec), (ref) => this.artifactPath(ref));
    const prefix = opts.netns ? ['ip', 'netns', 'exec', opts.netns] : [];
    this.ip = new IpTool(prefix);
    const runIp = async (args: string[]) => (await run([...prefix, 'ip', ...args], { timeoutMs: 15_000 })).stdout;
    this.networks = new HostNetworks(opts.hypervisor, new DnsmasqSupervisor(dnsmasqDir(opts.dataDir), prefix, DNSMASQ_ROOT), this.ip, new HostBridges(runIp, opts.netns ? pokeFromCommand(prefix) : undefined), prefix);
    const hv = opts.hypervisor;
    const chains = new DiskChains(hv, (spec) => this.pool(spec));
    this.host = {
      facts: (pools) => this.facts(pools),
      usage: (pools) => this.usage(pools, prefix),
      baselineCpu: (cpus) => hv.baselineCpu(cpus, this.opts.accel.accel),
      isOnline: () => hv.isConnected(),
      onEvent: (listener) => this.onEvent(listener),
    };
    this.domains = {
      define: async (spec) => {
        // A shared pool's instance arriving by migration has nothing of its own on this host yet: its console log directory neither.
        await this.ensureConsoleLogDir(spec.instanceId);
        await hv.defineDomain(await this.resolve(spec));
      },
      undefine: (name) => hv.undefineDomain(name),
      setAutostart: (name, on) => hv.setAutostart(name, on),
      getAutostart: (name) => hv.getAutostart(name),
      list: (): Promise<DomainState[]> => hv.listDomains(),
      find: (name) => hv.findDomain(name),
      owner: (name) => hv.domainOwner(name),
      start: (name) => hv.start(name),
      shutdown: (name) => hv.shutdown(name),
      destroy: (name) => hv.destroy(name),
      reboot: (name) => hv.reboot(name),
      reset: (name) => hv.reset(name),
      suspend: (name) => hv.suspend(name),
      resume: (name) => hv.resume(name),
      setResources: (name, resources, target) => hv.setResources(name, resources, target),
      resources: (name, which) => hv.domainResources(name, which),
      setQos: (name, qos, target) => hv.setQos(name, qos, target),
      qos: (name, which) => hv.domainQos(name, which),
      attachDisk: async (name, instanceId, pool, disk, where) =>
        hv.attachDisk(name, { path: (await this.pool(pool)).pathOf(volumeOf(instanceId, `${disk.volume}.qcow2`)), format: 'qcow2', target: disk.target }, where),
      detachDisk: (name, target, where) => hv.detachDisk(name, target, where),
      blockResize: (name, target, sizeBytes) => hv.blockResize(name, target, sizeBytes),
      snapshotDisks: (name, id, pool, overlays) => chains.snapshotDisks(name, id, pool, overlays),
      snapshotWithMemory: (name, id, pool, overlays, memoryFile, onProgress) => chains.snapshotWithMemory(name, id, pool, overlays, memoryFile, onProgress),
      restoreMemory: (name, id, pool, memoryFile) => chains.restoreMemory(name, id, pool, memoryFile),
      settleMemorySnapshot: (name, id, pool, overlays, memoryFile) => chains.settleMemorySnapshot(name, id, pool, overlays, memoryFile),
      blockPull: (name, id, pool, target, parentFile) => chains.blockPull(name, id, pool, target, parentFile),
      blockCommit: (name, id, pool, target, topFile, baseFile) => chains.blockCommit(name, id, pool, target, topFile, baseFile),
      commitActive: (name, id, pool, target, baseFile) => chains.commitActive(name, id, pool, target, baseFile),
      diskTargets: async (name, which) => (await hv.domainDisks(name, which)).map((d) => d.target),
      changeCdrom: async (name, target, media) => hv.changeCdrom(name, target, media && (await this.artifactPath(media))),
      stats: (name): Promise<DomainStats> => hv.domainStats(name),
      allStats: () => hv.allDomainStats(),
      guestInterfaces: (name) => hv.guestInterfaces(name),
      guestSystemInfo: (name) => hv.guestSystemInfo(name),
      setGuestPassword: (name, user, password) => hv.setGuestPassword(name, user, password),
      shutdownByAgent: (name) => hv.shutdownByAgent(name),
      migrateLive: (name, target, onProgress) => this.migrateLive(name, target, onProgress),
      abortMigration: (name) => hv.abortMigration(name),
    };
    this.volumes = {
      ensureArtifact: (ref, source, onProgress) => this.artifacts.ensure(ref, source, onProgress),
      hasArtifact: (ref) => this.artifacts.has(ref),
      removeArtifact: (ref) => this.artifacts.remove(ref),
      createInstanceDisks: (id, pool, plan, onProgress) => this.createInstanceDisks(id, pool, plan, onProgress),
      deleteInstance: (id, pool) => this.deleteInstance(id, pool),
      prepareHostFiles: (id) => this.ensureConsoleLogDir(id),
      deleteHostFiles: (id) => this.deleteHostFiles(id),
      capacity: async (pool): Promise<StorageCapacity> => (await this.pool(pool)).capacity(),
      probePool: (pool) => this.probePool(pool),
      createDisk: async (id, pool, volume, sizeBytes) => (await this.pool(pool)).createBlank(volumeOf(id, `${volume}.qcow2`), sizeBytes),
      resizeDisk: async (id, pool, volume, sizeBytes) => (await this.pool(pool)).resize(volumeOf(id, `${volume}.qcow2`), sizeBytes),
      deleteDisk: async (id, pool, volume) => (await this.pool(pool)).delete(volumeOf(id, `${volume}.qcow2`)),
      createOverlay: (id, pool, file, backingFile) => chains.createOverlay(id, pool, file, backingFile),
      inspectFile: (id, pool, file) => chains.inspectFile(id, pool, file),
      pullIntoFile: (id, pool, childFile, parentFile) => chains.pullIntoFile(id, pool, childFile, parentFile),
      deleteFile: (id, pool, file) => chains.deleteFile(id, pool, file),
      inspectDisk: async (id, pool, volume): Promise<DiskVolumeInfo> => {
        const info = await (await this.pool(pool)).info(volumeOf(id, `${volume}.qcow2`));
        return { format: info.format, virtualSizeBytes: info.virtualSizeBytes, actualSizeBytes: info.actualSizeBytes, backingFile: info.backingFile && basename(info.backingFile) };
      },
      buildImage: (id, pool, buildId, onProgress) => this.buildImage(id, pool, buildId, onProgress),
      openBuild: (buildId) => this.builds.open(buildId),
      discardBuild: (buildId) => this.builds.discard(buildId),
      resetSystemDisk: (id, pool, image, sizeBytes) => this.resetSystemDisk(id, pool, image, sizeBytes),
      compactDisk: (id, pool, volume, onProgress) => this.compactDisk(id, pool, volume, onProgress),
      cloneDisks: (sourceId, targetId, pool, disks, onProgress) => this.cloneDisks(sourceId, targetId, pool, disks, onProgress),
      listInstanceFiles: (id, pool) => this.transfer.list(id, pool),
      openInstanceFile: (id, pool, file) => this.transfer.open(id, pool, file),
      receiveInstanceFile: (id, pool, file, source) => this.transfer.receive(id, pool, file, source),
      commitInstanceFiles: (id, pool, files) => this.transfer.commit(id, pool, files),
      discardInstanceFiles: (id, pool) => this.transfer.discard(id, pool),
    };
    this.seeds = { write: (id, pool, seed) => this.writeSeed(id, pool, seed) };
    this.consoles = { open: (name, kind) => this.openConsole(name, kind), log: (id, maxBytes) => this.consoleLog(id, maxBytes) };
  }

  async close(): Promise<void> {
    await this.networks.dhcp.stopAll();
    await this.opts.hypervisor.close();
  }

  /** Live migration from this host: the destination reached by its TLS URI with this host's certificate, paths moved to its data directory. */
  private async migrateLive(name: string, target: LiveMigrationTarget, onProgress?: ProgressFn): Promise<MigrationResult> {
    const pkiDir = this.opts.migrationPkiDir;
    if (pkiDir === undefined) throw new MigrationFailedError(`this host has no migration certificate, so domain '${name}' cannot migrate live from it`);
    return this.opts.hypervisor.migrateLive(name, { destinationUri: migrationUri(target.address, pkiDir), copyDisks: target.copyDisks, movePaths: { from: this.opts.dataDir, to: target.dataDir } }, onProgress);
  }

  private async facts(pools: StoragePoolSpec[]): Promise<HostFacts> {
    const info = await this.opts.hypervisor.hostInfo();
    const storage = await this.capacities(pools);
    const cpu = await this.hostCpu();
    return { ...info, accel: this.opts.accel.accel, accelReason: this.opts.accel.reason, storage, routes: await this.ip.routes().catch(() => []), dataDir: this.opts.dataDir, nfsAccess: await this.nfsMode(), ...(cpu ? { cpu } : {}) };
  }

  /** The CPU the hypervisor offers guests, read once per agent start (it does not change while the host runs); a failed read is retried at the next facts. */
  private async hostCpu(): Promise<string | undefined> {
    this.cpu ??= this.opts.hypervisor.hostCpu(this.opts.accel.accel);
    return this.cpu.catch((err: unknown) => {
      this.cpu = undefined;
      log.warn('the host CPU could not be read; the pool baseline leaves this host out until it can', { error: String(err) });
      return undefined;
    });
  }

  private async usage(pools: StoragePoolSpec[], netnsPrefix: string[]): Promise<HostUsage> {
    const [node, storage, nics] = await Promise.all([
      this.opts.hypervisor.nodeStats(),
      this.capacities(pools),
      readNicCounters(netnsPrefix),
    ]);
    return { ...node, storage, nics };
  }

  private onEvent(listener: (event: AgentEvent) => void): () => void {
    const offLifecycle = this.opts.hypervisor.onLifecycle((event) => listener({ type: 'lifecycle', event }));
    const offConnection = this.opts.hypervisor.onConnectionChange((online) => listener({ type: 'connection', online }));
    return () => {
      offLifecycle();
      offConnection();
    };
  }

  /**
   * Capacity of each pool this host reaches. A local pool that fails fails the call; an NFS pool
   * that cannot be reached is left out (its state and reason are on the pool: probePool).
   */
  private async capacities(pools: StoragePoolSpec[]): Promise<({ poolId: string } & StorageCapacity)[]> {
    const all = await Promise.all(
      pools.map(async (p) => {
        const capacity = (async () => (await this.pool(p)).capacity())();
        return { poolId: p.id, ...(await (p.kind === 'nfs' ? capacity.catch(() => undefined) : capacity)) };
      }),
    );
    return all.filter((c): c is { poolId: string } & StorageCapacity => c.totalBytes !== undefined);
  }

  /** Reaches the pool, creates and deletes a probe file in it and reads its space; failures are answered, not thrown. */
  private async probePool(spec: StoragePoolSpec): Promise<StoragePoolProbe> {
    const mode = spec.kind === 'local' ? 'dir' : await this.nfsMode();
    const location = spec.kind === 'local' ? (spec.path ?? this.paths.instancesDir) : mode === 'mount' ? this.paths.storageMount(spec.id) : nfsUrl(spec.server, spec.exportPath);
    const mountOptions = spec.kind === 'nfs' && mode === 'mount' ? (spec.mountOptions ?? 'defaults') : null;
    try {
      const pool = await this.pool(spec);
      // A name of this host's own (its data directory's hash): hosts sharing the export do not collide.
      const probe = `onebox-probe/${createHash('sha256').update(this.opts.dataDir).digest('hex').slice(0, 16)}.qcow2`;
      await pool.delete(probe);
      await pool.createBlank(probe, 1024 * 1024);
      await pool.delete(probe);
      const { totalBytes, freeBytes } = await pool.capacity();
      return { state: 'mounted', mode, message: null, location, mountOptions, totalBytes, freeBytes };
    } catch (err) {
      return { state: 'error', mode, message: err instanceof Error ? err.message : String(err), location, mountOptions, totalBytes: null, freeBytes: null };
    }
  }

  /** This host's way to NFS exports, decided once. */
  private nfsMode(): Promise<'mount' | 'qemu'> {
    this.resolvedNfsMode ??= resolveNfsMode(this.opts.nfsMode ?? 'auto');
    return this.resolvedNfsMode;
  }

  /** The storage driver of a pool, activated once. */
  private async pool(spec: StoragePoolSpec): Promise<StorageDriver> {
    const key = JSON.stringify(spec);
    let driver = this.pools.get(key);
    if (!driver) {
      const load = this.opts.storage ?? loadStorageDriver;
      const d = load(spec, this.paths.instancesDir, { storageDir: this.paths.storageDir, nfsMode: spec.kind === 'nfs' ? await this.nfsMode() : 'qemu' });
      if (this.pools.has(key)) return this.pools.get(key) as Promise<StorageDriver>;
      driver = d.activate().then(() => d);
      driver.catch(() => this.pools.delete(key));
      this.pools.set(key, driver);
    }
    return driver;
  }

  private async artifactPath(ref: ArtifactRef): Promise<string> {
    if (!(await this.artifacts.has(ref))) throw new ArtifactMissingError(ref.fileName);
    return this.artifacts.pathOf(ref);
  }

  /** Turns volume and artifact references into this host's paths. */
  private async resolve(spec: GuestSpec): Promise<DomainSpec> {
    const pool = await this.pool(spec.storagePool);
    const { storagePool: _pool, disks, cdrom, seed, nics: _nics, ...rest } = spec;
    return {
      ...rest,
      nics: spec.nics.map((n) => (n.network.kind === 'nat' ? { kind: 'network' as const, mac: n.mac, network: libvirtNetworkName(n.network.id) } : { kind: 'bridge' as const, mac: n.mac, bridge: n.network.bridge })),
      disks: disks.map((d) => ({ path: pool.pathOf(volumeOf(spec.instanceId, d.file ?? `${d.volume}.qcow2`)), format: 'qcow2', target: d.target, bootOrder: d.bootOrder })),
      cdrom: { path: cdrom.media && (await this.artifactPath(cdrom.media)), target: cdrom.target, bootOrder: cdrom.bootOrder },
      ...(seed ? { seed: { path: pool.pathOf(volumeOf(spec.instanceId, 'seed.iso')), target: seed.target } } : {}),
      serialLogPath: this.paths.serialLog(spec.instanceId),
    };
  }

  private async createInstanceDisks(id: string, spec: StoragePoolSpec, plan: DiskPlan, onProgress?: ProgressFn): Promise<void> {
    const pool = await this.pool(spec);
    await this.ensureConsoleLogDir(id);
    try {
      const system = volumeOf(id, 'system.qcow2');
      const sys = plan.system;
      if (sys.source === 'blank') await pool.createBlank(system, sys.sizeBytes);
      else if (sys.source === 'linked') await pool.createLinkedClone(system, await this.artifactPath(sys.image), sys.image.format ?? 'qcow2', sys.sizeBytes);
      else await pool.createFullCopy(system, await this.artifactPath(sys.image), sys.image.format ?? 'qcow2', sys.sizeBytes, onProgress);
      for (const [i, disk] of plan.data.entries()) await pool.createBlank(volumeOf(id, `data-${i}.qcow2`), disk.sizeBytes);
    } catch (err) {
      await this.deleteInstance(id, spec);
      throw err;
    }
  }

  /** Removes what builds and disk jobs (compact, reset) cut off by a restart left on this host; call once at start. */
  async sweepBuilds(): Promise<string[]> {
    return [...(await this.builds.sweep()), ...(await sweepDiskJobLeftovers(this.paths.instancesDir))];
  }

  /** Removes the half copies migrations cut off by a restart left on this host; call once at start. */
  async sweepIncoming(): Promise<string[]> {
    return this.transfer.sweep();
  }

  private async buildImage(id: string, spec: StoragePoolSpec, buildId: string, onProgress?: ProgressFn): Promise<{ sizeBytes: number }> {
    const pool = await this.pool(spec);
    const path = await this.builds.prepare(buildId);
    await pool.exportFlat(volumeOf(id, 'system.qcow2'), path, onProgress);
    return { sizeBytes: await this.builds.size(buildId) };
  }

  private async resetSystemDisk(id: string, spec: StoragePoolSpec, image: ArtifactRef, sizeBytes: number): Promise<void> {
    const pool = await this.pool(spec);
    const next = volumeOf(id, 'system.new.qcow2');
    await pool.delete(next); // left by a reset cut off by a restart
    await pool.createLinkedClone(next, await this.artifactPath(image), image.format ?? 'qcow2', sizeBytes);
    await pool.replace(volumeOf(id, 'system.qcow2'), next).catch(async (err: unknown) => {
      await pool.delete(next);
      throw err;
    });
  }

  private async compactDisk(id: string, spec: StoragePoolSpec, volume: string, onProgress?: ProgressFn): Promise<{ beforeBytes: number; afterBytes: number }> {
    const pool = await this.pool(spec);
    const name = volumeOf(id, `${volume}.qcow2`);
    const beforeBytes = (await pool.info(name)).actualSizeBytes;
    await pool.compact(name, onProgress);
    return { beforeBytes, afterBytes: (await pool.info(name)).actualSizeBytes };
  }

  private async cloneDisks(sourceId: string, targetId: string, spec: StoragePoolSpec, disks: { volume: string; file: string; flatten?: boolean }[], onProgress?: ProgressFn): Promise<void> {
    const pool = await this.pool(spec);
    await this.ensureConsoleLogDir(targetId);
    try {
      for (const [i, disk] of disks.entries()) {
        const source = volumeOf(sourceId, disk.file);
        const backing = disk.flatten ? undefined : await imageUnder(pool, sourceId, source);
        await pool.copy(volumeOf(targetId, `${disk.volume}.qcow2`), source, backing, (f) => onProgress?.((i + f) / disks.length));
      }
    } catch (err) {
      await this.deleteInstance(targetId, spec);
      throw err;
    }
  }

  /**
   * virtlogd writes the console log into the host's own instance directory; it must exist before
   * the domain starts. QEMU's user must traverse it (0711 despite onebox's umask); the files inside stay 0600.
   */
  private async ensureConsoleLogDir(id: string): Promise<void> {
    await mkdir(this.paths.instanceDir(id), { recursive: true });
    await chmod(this.paths.instanceDir(id), 0o711);
  }

  private async deleteInstance(id: string, spec: StoragePoolSpec): Promise<void> {
    await (await this.pool(spec)).deleteGroup(id);
    await rm(this.paths.instanceDir(id), { recursive: true, force: true });
  }

  /** The console log, then its directory if nothing else is in it (on a local pool the disks live there too: those stay). */
  private async deleteHostFiles(id: string): Promise<void> {
    await rm(this.paths.serialLog(id), { force: true });
    await rmdir(this.paths.instanceDir(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT' && err.code !== 'ENOTEMPTY') throw err;
    });
  }

  private async writeSeed(id: string, spec: StoragePoolSpec, seed: CloudInitSpec): Promise<void> {
    const pool = await this.pool(spec);
    await mkdir(this.paths.tmpDir, { recursive: true, mode: 0o700 });
    const staging = await mkdtemp(join(this.paths.tmpDir, 'seed-'));
    try {
      const iso = join(staging, 'seed.iso');
      await writeSeedIso(staging, buildSeed(seed), iso);
      await pool.importFile(volumeOf(id, 'seed.iso'), iso);
    } catch (err) {
      if (err instanceof ExecError) throw new SeedBuildError(`genisoimage failed: ${err.message}`);
      throw err;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  private async openConsole(name: string, kind: ConsoleKind): Promise<Duplex> {
    return kind === 'serial' ? this.opts.hypervisor.openConsole(name) : this.opts.hypervisor.openVnc(name);
  }

  private async consoleLog(id: string, maxBytes: number): Promise<Readable> {
    const path = this.paths.serialLog(id);
    const size = await stat(path).then((st) => st.size, () => -1);
    if (size <= 0) return Readable.from([]);
    return createReadStream(path, { start: Math.max(0, size - maxBytes) });
  }
}

/** The file outside the instance's own files that `volume`'s backing chain ends on (its image), or undefined when the chain stays in the instance. */
async function imageUnder(pool: StorageDriver, instanceId: string, volume: string): Promise<{ path: string; format: DiskFormat } | undefined> {
  const own = dirname(pool.pathOf(volume));
  for (let current = volume, depth = 0; depth < 64; depth++) {
    const info = await pool.info(current);
    if (!info.backingFile) return undefined;
    if (dirname(info.backingFile) !== own) return { path: info.backingFile, format: (info.backingFormat ?? 'qcow2') as DiskFormat };
    current = volumeOf(instanceId, basename(info.backingFile));
  }
  return undefined;
}
