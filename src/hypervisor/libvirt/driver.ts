/**
 * LibvirtDriver: HypervisorDriver over libvirt's RPC protocol (no virsh, no native binding).
 * Domain XML comes from the pure builder in domain-xml.ts; every method that names a domain
 * looks it up first, so a missing name is a DomainNotFoundError naming it. Each serial
 * console runs on a connection of its own, so its traffic can neither starve the control
 * connection's calls nor hold its request slots, and its socket can be paused for backpressure.
 */
import type { Duplex } from 'node:stream';
import { buildDomainXml, checkDisks, checkQos, diskXml, ONEBOX_METADATA_NS, parseOwnerMetadata } from '../domain-xml.js';
import { qosOfXml, qosParams } from './domain-qos.js';
import type { HypervisorDriver } from '../driver.js';
import { DiskChangeRefusedError, DomainNotFoundError, DomainStateError, GuestAgentUnavailableError, GuestCommandFailedError, HypervisorError, HypervisorTimeoutError, HypervisorUnavailableError, ResourceChangeRefusedError } from '../errors.js';
import { openTcpStream } from '../tcp-stream.js';
import type {
  Accel,
  CpuDefinition,
  DiskSpec,
  DomainDiskState,
  DomainLifecycleEvent,
  DomainOwner,
  DomainQos,
  DomainResources,
  DomainResourceState,
  DomainSpec,
  DomainState,
  DomainStats,
  DomainStatsRecord,
  NodeStats,
  GuestInterfaceInfo,
  GuestSystemInfo,
  HypervisorHostInfo,
  LiveMigrationRequest,
  MigrationResult,
  ResourceTarget,
} from '../types.js';
import { resourcesOfXml } from './domain-resources.js';
import { disksOfXml, guestAgentConnectedInXml } from './domain-disks.js';
import { commitActiveFile, createDiskSnapshot, waitBlockJob } from './block-jobs.js';
import { abortJob, createMemorySnapshot, restoreMemory } from './memory-snapshots.js';
import { destinationXmlOf, migrateLive } from './live-migration.js';
import { el, renderXml } from '../xml.js';
import { LibvirtConnection, type LibvirtConnectionOptions } from './connection.js';
import { baselineCpu, hostCpu, parseCpuDefinition, type VirtType } from './cpu-baseline.js';
import { LibvirtNetworks } from './networks.js';
import { DomainLifecycleEvents } from './domain-events.js';
import { DOMAIN_STATS_TYPES, domainStatsOf, domainStatsRecordOf, isActiveState, VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE } from './domain-stats.js';
import { agentError, GUEST_AGENT_DEADLINE_MS, guestInterfacesOf, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT } from './guest-interfaces.js';
import { guestSystemOf, VIR_DOMAIN_GUEST_INFO_HOSTNAME, VIR_DOMAIN_GUEST_INFO_OS, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT } from './guest-system.js';
import { VirErrorNumber } from './libvirt-errors.js';
import { formatUuid, formatVersion, parseVncEndpoint, runStateOf } from './mapping.js';
import type { RemoteNonnullDomain, RemoteTypedParam } from './protocol.generated.js';
import type { LibvirtStream } from './stream.js';

// Flag values from libvirt-domain.h (stable ABI).
const VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN = 1;
const VIR_DOMAIN_BLOCK_RESIZE_BYTES = 1;
/** How long a live detach waits for the guest to release the disk. */
const DETACH_WAIT_MS = 10_000;
const VIR_DOMAIN_REBOOT_ACPI_POWER_BTN = 1;
const VIR_DOMAIN_UNDEFINE_MANAGED_SAVE = 1;
const VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 2;
const VIR_DOMAIN_UNDEFINE_NVRAM = 4;
const VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = 16;
/** virNodeGetCPUStats: the sum over every CPU; virNodeGetMemoryStats: the sum over every NUMA cell. */
const VIR_NODE_CPU_STATS_ALL_CPUS = -1;
const VIR_NODE_MEMORY_STATS_ALL_CELLS = -1;
const VIR_DOMAIN_AFFECT_LIVE = 1;
const VIR_DOMAIN_AFFECT_CONFIG = 2;
const VIR_DOMAIN_DEFINE_VALIDATE = 1;
const VIR_CONNECT_LIST_DOMAINS_ALL = 0;
const VIR_DOMAIN_CONSOLE_FORCE = 1;
const VIR_DOMAIN_CONSOLE_SAFE = 2;
const VIR_DOMAIN_METADATA_ELEMENT = 2;
const VIR_DOMAIN_XML_INACTIVE = 2;

/** libvirt's virttype for an accelerator (TCG is QEMU's own emulation). */
const virtTypeOf = (accel: Accel): VirtType => (accel === 'kvm' ? 'kvm' : 'qemu');

/** Options of openLibvirtDriver: the connection options plus the XML builder (injectable for tests). */
export interface LibvirtDriverOptions extends LibvirtConnectionOptions {
  /** Renders a spec to domain XML; `buildDomainXml` by default. */
  domainXml?: (spec: DomainSpec) => string;
}

/** HypervisorDriver backed by a LibvirtConnection. */
export class LibvirtDriver implements HypervisorDriver {
  readonly kind = 'libvirt';

  isConnected(): boolean {
    return this.connection.state === 'open';
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    const offDown = this.connection.onDown(() => listener(false));
    const offUp = this.connection.onReconnect(async () => listener(true));
    return () => {
      offDown();
      offUp();
    };
  }
  readonly networks: LibvirtNetworks;
  /** The console stream this driver last opened per domain, so a takeover ends it quietly. */
  private readonly consoles = new Map<string, LibvirtStream>();
  /** The connections of open console streams. */
  private readonly consoleConnections = new Set<LibvirtConnection>();

  constructor(
    /** The underlying typed connection (for calls the interface does not cover). */
    readonly connection: LibvirtConnection,
    private readonly events: DomainLifecycleEvents,
    /** libvirt's driver name (CONNECT_GET_TYPE): "QEMU", or "TEST" for test:///default. */
    readonly libvirtType: string,
    private readonly domainXml: (spec: DomainSpec) => string = buildDomainXml,
  ) {
    this.networks = new LibvirtNetworks(connection);
  }

  // libvirt's test driver rejects the ACPI and NVRAM/checkpoint flags ("unsupported flags");
  // it has no guest agent, firmware or checkpoints, so plain calls mean the same there.
  private get isTestDriver(): boolean {
    return this.libvirtType.toUpperCase() === 'TEST';
  }

  hostCpu(accel: Accel): Promise<string> {
    return hostCpu(this.connection, virtTypeOf(accel));
  }

  async baselineCpu(hostCpus: string[], accel: Accel): Promise<CpuDefinition> {
    return parseCpuDefinition(await baselineCpu(this.connection, hostCpus, virtTypeOf(accel)));
  }

  async hostInfo(): Promise<HypervisorHostInfo> {
    const c = this.connection;
    const [node, host, lib, hv] = await Promise.all([
      c.call('NODE_GET_INFO'),
      c.call('CONNECT_GET_HOSTNAME'),
      c.call('CONNECT_GET_LIB_VERSION'),
      c.call('CONNECT_GET_VERSION'),
    ]);
    return {
      hostname: host.hostname,
      cpus: node.cpus,
      memoryMiB: Math.floor(Number(node.memory) / 1024),
      libvirtVersion: formatVersion(lib.lib_ver),
      hypervisorVersion: formatVersion(hv.hv_ver),
    };
  }

  async defineDomain(spec: DomainSpec): Promise<void> {
    const xml = this.domainXml(spec);
    await this.connection.call('DOMAIN_DEFINE_XML_FLAGS', { xml, flags: VIR_DOMAIN_DEFINE_VALIDATE });
  }

  async undefineDomain(name: string): Promise<void> {
    const dom = await this.lookup(name);
    const { state } = await this.stateOf(dom);
    if (state !== 'shutoff' && state !== 'crashed') throw new DomainStateError(`domain '${name}' is ${state}; stop it before undefining it`, 55);
    const extra = this.isTestDriver ? 0 : VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;
    const flags = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | extra;
    await this.connection.call('DOMAIN_UNDEFINE_FLAGS', { dom, flags });
  }

  async domainOwner(name: string): Promise<DomainOwner | undefined> {
    const dom = await this.lookup(name);
    try {
      const { metadata } = await this.connection.call('DOMAIN_GET_METADATA', { dom, type: VIR_DOMAIN_METADATA_ELEMENT, uri: ONEBOX_METADATA_NS, flags: 0 });
      return parseOwnerMetadata(metadata);
    } catch (err) {
      if (err instanceof HypervisorError && err.libvirtCode === VirErrorNumber.VIR_ERR_NO_DOMAIN_METADATA) return undefined;
      throw err;
    }
  }

  async listDomains(): Promise<DomainState[]> {
    const { domains } = await this.connection.call('CONNECT_LIST_ALL_DOMAINS', { need_results: 1, flags: VIR_CONNECT_LIST_DOMAINS_ALL });
    // One pipelined GET_STATE per domain; a domain that vanished meanwhile is skipped.
    const states = await Promise.all(domains.map((dom) => this.stateOf(dom).catch(skipMissing)));
    return states.filter((s): s is DomainState => s !== undefined);
  }

  async findDomain(name: string): Promise<DomainState | undefined> {
    try {
      return await this.stateOf(await this.lookup(name));
    } catch (err) {
      return skipMissing(err);
    }
  }

  async start(name: string): Promise<void> {
    const dom = await this.lookup(name);
    // Checked here because drivers disagree on the error (QEMU: OPERATION_INVALID, test: INTERNAL_ERROR).
    const { state } = await this.stateOf(dom);
    if (state !== 'shutoff' && state !== 'crashed') throw new DomainStateError(`domain '${name}' is already ${state}; it cannot be started`, 55);
    await this.connection.call('DOMAIN_CREATE', { dom });
  }

  async shutdown(name: string): Promise<void> {
    const flags = this.isTestDriver ? 0 : VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN;
    const dom = await this.lookup(name);
    await this.connection.call('DOMAIN_SHUTDOWN_FLAGS', { dom, flags }).catch(this.stateErrors);
  }

  async destroy(name: string): Promise<void> {
    const dom = await this.lookup(name);
    await this.connection.call('DOMAIN_DESTROY', { dom }).catch(this.stateErrors);
  }

  async reboot(name: string): Promise<void> {
    const dom = await this.lookup(name);
    await this.connection.call('DOMAIN_REBOOT', { dom, flags: VIR_DOMAIN_REBOOT_ACPI_POWER_BTN }).catch(this.stateErrors);
  }

  async reset(name: string): Promise<void> {
    const dom = await this.lookup(name);
    await this.connection.call('DOMAIN_RESET', { dom, flags: 0 }).catch(this.stateErrors);
  }

  async setAutostart(name: string, on: boolean): Promise<void> {
    const dom = await this.lookup(name);
    await this.connection.call('DOMAIN_SET_AUTOSTART', { dom, autostart: on ? 1 : 0 });
  }

  async getAutostart(name: string): Promise<boolean> {
    const dom = await this.lookup(name);
    return (await this.connection.call('DOMAIN_GET_AUTOSTART', { dom })).autostart !== 0;
  }

  async suspend(name: string): Promise<void> {
    const dom = await this.lookup(name);
    await this.connection.call('DOMAIN_SUSPEND', { dom }).catch(this.stateErrors);
  }

  async resume(name: string): Promise<void> {
    const dom = await this.lookup(name);
    await this.connection.call('DOMAIN_RESUME', { dom }).catch(this.stateErrors);
  }

  async changeCdrom(name: string, target: string, path: string | undefined): Promise<void> {
    const dom = await this.lookup(name);
    const { state } = await this.stateOf(dom);
    const live = state !== 'shutoff' && state !== 'crashed';
    const xml = renderXml(
      el(
        'disk',
        { type: 'file', device: 'cdrom' },
        el('driver', { name: 'qemu', type: 'raw' }),
        path !== undefined && el('source', { file: path }),
        el('target', { dev: target, bus: 'sata' }),
        el('readonly'),
      ),
    );
    const flags = VIR_DOMAIN_AFFECT_CONFIG | (live ? VIR_DOMAIN_AFFECT_LIVE : 0);
    await this.connection.call('DOMAIN_UPDATE_DEVICE_FLAGS', { dom, xml, flags });
  }

  async setResources(name: string, resources: DomainResources, target: ResourceTarget): Promise<void> {
    const dom = await this.lookup(name);
    if (target.live) {
      const { state } = await this.stateOf(dom);
      if (state === 'shutoff' || state === 'crashed') throw new DomainStateError(`domain '${name}' is not running; its vCPUs and memory can only change in its definition`, 55);
    }
    // One call per target: libvirt's test driver refuses LIVE|CONFIG together for memory.
    const targets = [target.live && VIR_DOMAIN_AFFECT_LIVE, target.config && VIR_DOMAIN_AFFECT_CONFIG].filter((f): f is number => typeof f === 'number');
    try {
      for (const flags of targets) {
        if (resources.vcpus !== undefined) await this.connection.call('DOMAIN_SET_VCPUS_FLAGS', { dom, nvcpus: resources.vcpus, flags });
        if (resources.memoryMiB !== undefined) await this.connection.call('DOMAIN_SET_MEMORY_FLAGS', { dom, memory: BigInt(resources.memoryMiB) * 1024n, flags });
      }
    } catch (err) {
      throw refusedChange(err, name, resources);
    }
  }

  async setQos(name: string, qos: DomainQos, target: ResourceTarget): Promise<void> {
    checkQos(qos);
    const dom = await this.requireLiveFor(name, target, 'its QoS can only change in its definition');
    // One call per target, as for resources: each reads its own XML (a hot-plugged disk may be in one only).
    for (const flags of [target.live && VIR_DOMAIN_AFFECT_LIVE, target.config && VIR_DOMAIN_AFFECT_CONFIG].filter((f): f is number => typeof f === 'number')) {
      const { xml } = await this.connection.call('DOMAIN_GET_XML_DESC', { dom, flags: flags === VIR_DOMAIN_AFFECT_CONFIG ? VIR_DOMAIN_XML_INACTIVE : 0 });
      const calls = qosParams(qos, xml);
      await this.connection.call('DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS', { dom, params: calls.scheduler, flags });
      for (const { disk, params } of calls.disks) await this.connection.call('DOMAIN_SET_BLOCK_IO_TUNE', { dom, disk, params, flags });
      for (const { device, params } of calls.nics) await this.connection.call('DOMAIN_SET_INTERFACE_PARAMETERS', { dom, device, params, flags });
    }
  }

  async domainQos(name: string, which: 'live' | 'config'): Promise<DomainQos> {
    const dom = await this.lookup(name);
    const { xml } = await this.connection.call('DOMAIN_GET_XML_DESC', { dom, flags: which === 'config' ? VIR_DOMAIN_XML_INACTIVE : 0 });
    return qosOfXml(xml);
  }

  async attachDisk(name: string, disk: DiskSpec, where: ResourceTarget): Promise<void> {
    checkDisks([disk]);
    const dom = await this.requireLiveFor(name, where, 'a disk can only be added to its definition');
    const xml = renderXml(diskXml(disk));
    try {
      await this.connection.call('DOMAIN_ATTACH_DEVICE_FLAGS', { dom, xml, flags: affectFlags(where) });
    } catch (err) {
      throw refusedDisk(err, `disk ${disk.target} could not be added to domain '${name}'`);
    }
  }

  async detachDisk(name: string, target: string, where: ResourceTarget): Promise<void> {
    const dom = await this.requireLiveFor(name, where, 'a disk can only be removed from its definition');
    const disk = (await this.domainDisks(name, where.live ? 'live' : 'config')).find((d) => d.target === target);
    if (!disk) throw new DiskChangeRefusedError(`domain '${name}' has no disk '${target}'`);
    const xml = renderXml(diskXml({ path: disk.path, format: 'qcow2', target }));
    try {
      if (where.live) {
        // libvirt waits a few seconds for the guest's DEVICE_DELETED, then reports success with the
        // unplug still pending: the live XML tells whether the guest really let go.
        await this.connection.call('DOMAIN_DETACH_DEVICE_FLAGS', { dom, xml, flags: VIR_DOMAIN_AFFECT_LIVE });
        if (!(await this.waitGone(name, target, DETACH_WAIT_MS)))
          throw new DiskChangeRefusedError(`the guest of domain '${name}' did not release disk ${target} within ${DETACH_WAIT_MS / 1000} s (the unplug request may still complete)`);
      }
      if (where.config) await this.connection.call('DOMAIN_DETACH_DEVICE_FLAGS', { dom, xml, flags: VIR_DOMAIN_AFFECT_CONFIG });
    } catch (err) {
      throw refusedDisk(err, `disk ${target} could not be removed from domain '${name}'`);
    }
  }

  async blockResize(name: string, target: string, sizeBytes: number): Promise<void> {
    const dom = await this.requireLiveFor(name, { live: true, config: false }, 'its disks can only be resized on the host');
    try {
      await this.connection.call('DOMAIN_BLOCK_RESIZE', { dom, disk: target, size: BigInt(sizeBytes), flags: VIR_DOMAIN_BLOCK_RESIZE_BYTES });
    } catch (err) {
      throw refusedDisk(err, `disk ${target} of domain '${name}' could not be grown to ${sizeBytes} bytes`);
    }
  }

  async snapshotDisks(name: string, overlays: { target: string; path: string }[], quiesce: boolean): Promise<void> {
    const dom = await this.requireLiveFor(name, { live: true, config: false }, 'its disks are snapshotted on the host');
    try {
      await createDiskSnapshot(this.connection, dom, overlays, quiesce);
    } catch (err) {
      throw refusedDisk(err, `the disks of domain '${name}' could not be snapshotted${quiesce ? ' with the guest frozen' : ''}`);
    }
  }

  async snapshotWithMemory(name: string, memoryPath: string, overlays: { target: string; path: string }[], onProgress?: (fraction: number) => void): Promise<void> {
    const dom = await this.requireLiveFor(name, { live: true, config: false }, 'only a running domain has memory to save');
    try {
      await createMemorySnapshot(this.connection, dom, memoryPath, overlays, onProgress);
    } catch (err) {
      throw refusedDisk(err, `the memory and disks of domain '${name}' could not be snapshotted`);
    }
  }

  async restoreFromMemory(name: string, memoryPath: string): Promise<void> {
    const dom = await this.lookup(name);
    const { state } = await this.stateOf(dom);
    if (state !== 'shutoff' && state !== 'crashed') throw new DomainStateError(`domain '${name}' is ${state}; stop it before restoring it from saved memory`, 55);
    try {
      await restoreMemory(this.connection, dom, memoryPath);
    } catch (err) {
      throw refusedDisk(err, `domain '${name}' could not be restored from its saved memory '${memoryPath}'`);
    }
  }

  async abortJob(name: string): Promise<void> {
    await abortJob(this.connection, await this.lookup(name));
  }

  async blockPull(name: string, target: string, basePath: string | undefined, onProgress?: (fraction: number) => void): Promise<void> {
    const dom = await this.requireLiveFor(name, { live: true, config: false }, 'its disk files are merged on the host');
    try {
      await this.connection.call('DOMAIN_BLOCK_REBASE', { dom, path: target, base: basePath ?? null, bandwidth: 0n, flags: 0 });
      await waitBlockJob(this.connection, dom, target, onProgress);
    } catch (err) {
      throw refusedDisk(err, `disk ${target} of domain '${name}' could not pull its backing data`);
    }
  }

  async blockCommit(name: string, target: string, topPath: string, basePath: string, onProgress?: (fraction: number) => void): Promise<void> {
    const dom = await this.requireLiveFor(name, { live: true, config: false }, 'its disk files are merged on the host');
    try {
      await this.connection.call('DOMAIN_BLOCK_COMMIT', { dom, disk: target, base: basePath, top: topPath, bandwidth: 0n, flags: 0 });
      await waitBlockJob(this.connection, dom, target, onProgress);
    } catch (err) {
      throw refusedDisk(err, `disk ${target} of domain '${name}' could not commit '${topPath}' into '${basePath}'`);
    }
  }

  async commitActive(name: string, target: string, basePath: string, onProgress?: (fraction: number) => void): Promise<void> {
    const dom = await this.requireLiveFor(name, { live: true, config: false }, 'its disk files are merged on the host');
    try {
      await commitActiveFile(this.connection, dom, target, basePath, onProgress);
    } catch (err) {
      throw refusedDisk(err, `the active file of disk ${target} of domain '${name}' could not be committed into '${basePath}'`);
    }
  }

  async migrateLive(name: string, request: LiveMigrationRequest, onProgress?: (fraction: number) => void): Promise<MigrationResult> {
    const dom = await this.requireLiveFor(name, { live: true, config: false }, 'only a running domain migrates live');
    const { movePaths, ...rest } = request;
    const destinationXml = request.destinationXml ?? (movePaths && movePaths.from !== movePaths.to ? await destinationXmlOf(this.connection, dom, movePaths.from, movePaths.to) : undefined);
    return migrateLive(this.connection, dom, { ...rest, destinationXml }, onProgress && ((p) => onProgress(p.processedBytes / p.totalBytes)));
  }

  async abortMigration(name: string): Promise<void> {
    const dom = await this.lookup(name);
    const { type } = await this.connection.call('DOMAIN_GET_JOB_INFO', { dom });
    if (type !== 0) await this.connection.call('DOMAIN_ABORT_JOB', { dom });
  }

  async domainDisks(name: string, which: 'live' | 'config'): Promise<DomainDiskState[]> {
    const dom = await this.lookup(name);
    const { xml } = await this.connection.call('DOMAIN_GET_XML_DESC', { dom, flags: which === 'config' ? VIR_DOMAIN_XML_INACTIVE : 0 });
    return disksOfXml(xml);
  }

  /** The domain, after checking it runs when the change is to apply live. */
  private async requireLiveFor(name: string, where: ResourceTarget, otherwise: string): Promise<RemoteNonnullDomain> {
    const dom = await this.lookup(name);
    const { state } = where.live ? await this.stateOf(dom) : { state: 'running' };
    if (state === 'shutoff' || state === 'crashed') throw new DomainStateError(`domain '${name}' is not running; ${otherwise}`, 55);
    return dom;
  }

  /** Polls the live XML until the disk on `target` is gone; false when it is still there after `ms`. */
  private async waitGone(name: string, target: string, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (!(await this.domainDisks(name, 'live')).some((d) => d.target === target)) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async domainResources(name: string, which: 'live' | 'config'): Promise<DomainResourceState> {
    const dom = await this.lookup(name);
    const { xml } = await this.connection.call('DOMAIN_GET_XML_DESC', { dom, flags: which === 'config' ? VIR_DOMAIN_XML_INACTIVE : 0 });
    return resourcesOfXml(xml);
  }

  async openVnc(name: string): Promise<Duplex> {
    const dom = await this.lookup(name);
    const { xml } = await this.connection.call('DOMAIN_GET_XML_DESC', { dom, flags: 0 });
    const endpoint = parseVncEndpoint(xml);
    if (!endpoint) throw new DomainStateError(`domain '${name}' has no live VNC server; start it first`, 55);
    try {
      return await openTcpStream(endpoint.host, endpoint.port);
    } catch (err) {
      throw new HypervisorError(`the VNC server of domain '${name}' at ${endpoint.host}:${endpoint.port} does not answer: ${(err as Error).message}`, 38);
    }
  }

  async openConsole(name: string): Promise<Duplex> {
    const dom = await this.lookup(name);
    // FORCE makes libvirt abort the previous console stream; that one then ends instead of failing.
    const previous = this.consoles.get(name);
    previous?.endQuietlyOnError();
    let stream: LibvirtStream;
    try {
      stream = await this.openConsoleStream(dom);
    } catch (err) {
      previous?.reportErrors();
      throw err;
    }
    this.consoles.set(name, stream);
    stream.once('close', () => {
      if (this.consoles.get(name) === stream) this.consoles.delete(name);
    });
    return stream;
  }

  /** Opens DOMAIN_OPEN_CONSOLE on a new connection that lives exactly as long as the stream. */
  private async openConsoleStream(dom: RemoteNonnullDomain): Promise<LibvirtStream> {
    // No keepalive (libvirtd would drop the connection while a slow reader keeps its socket paused), no reconnect.
    const conn = await this.connection.openSibling({ keepalive: false, reconnect: false, streamBackpressure: true });
    try {
      const stream = await conn.openStream('DOMAIN_OPEN_CONSOLE', { dom, dev_name: null, flags: VIR_DOMAIN_CONSOLE_FORCE | VIR_DOMAIN_CONSOLE_SAFE });
      this.consoleConnections.add(conn);
      stream.once('close', () => {
        this.consoleConnections.delete(conn);
        void conn.close();
      });
      return stream;
    } catch (err) {
      await conn.close();
      throw err;
    }
  }

  async domainStats(name: string): Promise<DomainStats> {
    const dom = await this.lookup(name);
    const info = await this.connection.call('DOMAIN_GET_INFO', { dom });
    const params = isActiveState(info.state) ? await this.statsParams(dom) : undefined;
    return domainStatsOf(info, params, Date.now());
  }

  async nodeStats(): Promise<NodeStats> {
    const c = this.connection;
    // Both calls answer how many fields there are when asked for none, then the fields.
    const cpuArgs = { cpuNum: VIR_NODE_CPU_STATS_ALL_CPUS, flags: 0 };
    const memArgs = { cellNum: VIR_NODE_MEMORY_STATS_ALL_CELLS, flags: 0 };
    const [cpuCount, memCount] = await Promise.all([c.call('NODE_GET_CPU_STATS', { ...cpuArgs, nparams: 0 }), c.call('NODE_GET_MEMORY_STATS', { ...memArgs, nparams: 0 })]);
    const [cpu, mem] = await Promise.all([c.call('NODE_GET_CPU_STATS', { ...cpuArgs, nparams: cpuCount.nparams }), c.call('NODE_GET_MEMORY_STATS', { ...memArgs, nparams: memCount.nparams })]);
    const field = (params: { field: string; value: bigint }[], name: string) => Number(params.find((p) => p.field === name)?.value ?? 0n);
    const kib = (name: string) => field(mem.params, name) * 1024;
    return {
      cpu: { userNs: field(cpu.params, 'user'), kernelNs: field(cpu.params, 'kernel'), idleNs: field(cpu.params, 'idle'), iowaitNs: field(cpu.params, 'iowait') },
      memory: { totalBytes: kib('total'), freeBytes: kib('free'), availableBytes: kib('free') + kib('buffers') + kib('cached') },
      sampledAt: Date.now(),
    };
  }

  async allDomainStats(): Promise<DomainStatsRecord[]> {
    const { retStats } = await this.connection.call('CONNECT_GET_ALL_DOMAIN_STATS', { doms: [], stats: DOMAIN_STATS_TYPES, flags: VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE });
    const at = Date.now();
    return Promise.all(
      retStats.map(async (r) => {
        if (r.params.some((p) => p.field === 'vcpu.current')) return domainStatsRecordOf(r.dom.name, r.params, at);
        // libvirt's test driver reports only the state group: complete the record from GET_INFO.
        const info = await this.connection.call('DOMAIN_GET_INFO', { dom: r.dom });
        return { ...domainStatsRecordOf(r.dom.name, r.params, at), ...domainStatsOf(info, r.params, at), name: r.dom.name };
      }),
    );
  }

  async guestInterfaces(name: string): Promise<GuestInterfaceInfo[]> {
    const dom = await this.lookup(name);
    try {
      const { ifaces } = await this.connection.call(
        'DOMAIN_INTERFACE_ADDRESSES',
        { dom, source: VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, flags: 0 },
        { timeoutMs: GUEST_AGENT_DEADLINE_MS },
      );
      return guestInterfacesOf(ifaces);
    } catch (err) {
      throw agentError(err, name);
    }
  }

  async guestSystemInfo(name: string): Promise<GuestSystemInfo> {
    const dom = await this.lookup(name);
    await this.requireRunning(dom, name, 'asked for its system');
    try {
      const { params } = await this.connection.call('DOMAIN_GET_GUEST_INFO', { dom, types: VIR_DOMAIN_GUEST_INFO_OS | VIR_DOMAIN_GUEST_INFO_HOSTNAME, flags: 0 }, { timeoutMs: GUEST_AGENT_DEADLINE_MS });
      return guestSystemOf(params);
    } catch (err) {
      throw agentError(err, name);
    }
  }

  async setGuestPassword(name: string, user: string, password: string): Promise<void> {
    const dom = await this.lookup(name);
    await this.requireRunning(dom, name, 'given a password');
    try {
      await this.connection.call('DOMAIN_SET_USER_PASSWORD', { dom, user, password, flags: 0 }, { timeoutMs: GUEST_AGENT_DEADLINE_MS });
    } catch (err) {
      const mapped = agentError(err, name);
      // The agent ran the command and the guest refused it (chpasswd failed: no such user, read-only /etc/shadow).
      if (mapped instanceof HypervisorError && !(mapped instanceof GuestAgentUnavailableError) && mapped.libvirtCode === VirErrorNumber.VIR_ERR_INTERNAL_ERROR)
        throw new GuestCommandFailedError(mapped.message, mapped.libvirtCode, mapped.libvirtDomain);
      throw mapped;
    }
  }

  async guestAgentConnected(name: string): Promise<boolean> {
    const dom = await this.lookup(name);
    const { xml } = await this.connection.call('DOMAIN_GET_XML_DESC', { dom, flags: 0 });
    return guestAgentConnectedInXml(xml);
  }

  async shutdownByAgent(name: string): Promise<void> {
    const dom = await this.lookup(name);
    await this.requireRunning(dom, name, 'shut down through its agent');
    try {
      await this.connection.call('DOMAIN_SHUTDOWN_FLAGS', { dom, flags: VIR_DOMAIN_SHUTDOWN_GUEST_AGENT }, { timeoutMs: GUEST_AGENT_DEADLINE_MS });
    } catch (err) {
      throw agentError(err, name);
    }
  }

  /** DomainStateError unless the domain runs (libvirt's own answer differs between drivers and agent calls). */
  private async requireRunning(dom: RemoteNonnullDomain, name: string, what: string): Promise<void> {
    const { state } = await this.stateOf(dom);
    if (state !== 'running') throw new DomainStateError(`domain '${name}' is ${state}; it cannot be ${what}`, 55);
  }

  onLifecycle(listener: (event: DomainLifecycleEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /** Closes open consoles, the event subscription and the connection; bounded by the close deadline. */
  async close(): Promise<void> {
    const consoles = [...this.consoleConnections].map((c) => c.close());
    await this.events.stop();
    await Promise.all([...consoles, this.connection.close()]);
  }

  /** libvirt's test driver reports state conflicts as INTERNAL_ERROR; QEMU uses OPERATION_INVALID. */
  private readonly stateErrors = (err: unknown): never => {
    const conflict = /\b(not running|already running|not paused)\b/;
    if (this.isTestDriver && err instanceof HypervisorError && err.libvirtCode === 1 && conflict.test(err.message)) {
      throw new DomainStateError(err.message, 55, err.libvirtDomain);
    }
    throw err;
  };

  /** The statistics record of one live domain; undefined when the driver has none (libvirt's test driver). */
  private async statsParams(dom: RemoteNonnullDomain): Promise<RemoteTypedParam[] | undefined> {
    try {
      const { retStats } = await this.connection.call('CONNECT_GET_ALL_DOMAIN_STATS', { doms: [dom], stats: DOMAIN_STATS_TYPES, flags: 0 });
      return retStats[0]?.params;
    } catch (err) {
      if (err instanceof HypervisorError && err.libvirtCode === VirErrorNumber.VIR_ERR_NO_SUPPORT) return undefined;
      throw err;
    }
  }

  private async lookup(name: string): Promise<RemoteNonnullDomain> {
    return (await this.connection.call('DOMAIN_LOOKUP_BY_NAME', { name })).dom;
  }

  private async stateOf(dom: RemoteNonnullDomain): Promise<DomainState> {
    const { state, reason } = await this.connection.call('DOMAIN_GET_STATE', { dom, flags: 0 });
    return { name: dom.name, uuid: formatUuid(dom.uuid), state: runStateOf(state), reason };
  }
}

/** LIVE and/or CONFIG as libvirt's flags. */
function affectFlags(where: ResourceTarget): number {
  return (where.live ? VIR_DOMAIN_AFFECT_LIVE : 0) | (where.config ? VIR_DOMAIN_AFFECT_CONFIG : 0);
}

/**
 * A disk change libvirt refused becomes DiskChangeRefusedError (also OPERATION_INVALID, e.g. "target
 * vdb already exists": the domain's state was checked before); lost connections, timeouts and missing domains stay what they are.
 */
function refusedDisk(err: unknown, what: string): unknown {
  if (!(err instanceof HypervisorError) || err instanceof DiskChangeRefusedError) return err;
  if (err instanceof DomainNotFoundError || err instanceof HypervisorUnavailableError || err instanceof HypervisorTimeoutError) return err;
  return new DiskChangeRefusedError(`${what}: ${err.message}`, err.libvirtCode, err.libvirtDomain);
}

/** A refusal by libvirt or the guest (beyond a maximum, an unplug the guest ignored) becomes ResourceChangeRefusedError; lost connections, timeouts and missing domains stay what they are. */
function refusedChange(err: unknown, name: string, resources: DomainResources): unknown {
  if (!(err instanceof HypervisorError)) return err;
  if (err instanceof DomainNotFoundError || err instanceof HypervisorUnavailableError || err instanceof HypervisorTimeoutError) return err;
  const what = [resources.vcpus !== undefined && `${resources.vcpus} vCPUs`, resources.memoryMiB !== undefined && `${resources.memoryMiB} MiB`].filter(Boolean).join(' and ');
  return new ResourceChangeRefusedError(`domain '${name}' could not be set to ${what}: ${err.message}`, err.libvirtCode, err.libvirtDomain);
}

function skipMissing(err: unknown): undefined {
  if (err instanceof DomainNotFoundError) return undefined;
  throw err;
}

/** Connects to libvirt (`qemu:///system` over /run/libvirt/libvirt-sock by default) and returns a ready driver. */
export async function openLibvirtDriver(opts: LibvirtDriverOptions = {}): Promise<LibvirtDriver> {
  const connection = await LibvirtConnection.open(opts);
  try {
    const { type } = await connection.call('CONNECT_GET_TYPE');
    const events = await DomainLifecycleEvents.start(connection, { log: opts.log });
    return new LibvirtDriver(connection, events, type, opts.domainXml);
  } catch (err) {
    await connection.close();
    throw err;
  }
}
