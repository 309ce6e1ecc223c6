/**
 * FakeHypervisorDriver: an in-memory HypervisorDriver with libvirt's semantics and errors
 * (DomainNotFoundError, DomainStateError) and synchronous-looking lifecycle events, for
 * fast service and API tests. Its serial console echoes what is typed, like a terminal in
 * echo mode; its usage counters grow by a fixed step per sample while running.
 * The shared contract suite keeps it honest against libvirt.
 */
import { randomUUID } from 'node:crypto';
import { type Duplex, PassThrough } from 'node:stream';
import { buildDomainXml, checkDisks, checkQos } from './domain-xml.js';
import { normalizeQos } from './qos.js';
import { FakeNetworks } from './fake-networks.js';
import type { HypervisorDriver } from './driver.js';
import { DiskChangeRefusedError, DomainNotFoundError, DomainStateError, GuestAgentUnavailableError, GuestCommandFailedError, HypervisorError, HypervisorUnavailableError, MigrationCancelledError, MigrationFailedError, ResourceChangeRefusedError } from './errors.js';
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
  DomainRunState,
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
} from './types.js';

interface FakeDomain {
  spec: DomainSpec;
  autostart?: boolean;
  state: DomainRunState;
  reason: number;
  vncPort: number | undefined;
  console: Duplex | undefined;
  /** Samples taken since the domain started; the counters grow with it. */
  samples: number;
  /** What the guest agent reports while running (setGuestAgent); undefined: no agent answers. */
  agent?: GuestInterfaceInfo[];
  /** Hostname and OS the guest agent reports (setGuestAgent). */
  agentInfo?: GuestSystemInfo;
  /** The guest ignores the ACPI power button (setIgnoresAcpi): shutdown does nothing. */
  ignoresAcpi?: boolean;
  /** Users of the guest and their passwords as set through the agent (root exists from the start). */
  passwords: Map<string, string | null>;
  /** vCPUs and memory of the running domain (from the definition at start, then changed live). */
  live?: DomainResourceState;
  /** Disks of the running domain (from the definition at start, then hot-plugged). */
  liveDisks?: DiskSpec[];
  /** QoS of the running domain (from the definition at start, then changed live). */
  liveQos?: DomainQos;
}

/** vCPUs and memory a definition gives a domain. */
const resourcesOfSpec = (spec: DomainSpec): DomainResourceState => ({
  vcpus: spec.vcpus, maxVcpus: spec.maxVcpus ?? spec.vcpus, memoryMiB: spec.memoryMiB, maxMemoryMiB: spec.maxMemoryMiB ?? spec.memoryMiB,
});

/** Applies a change within the maximums, as libvirt does; throws ResourceChangeRefusedError above them. */
function changed(name: string, current: DomainResourceState, change: DomainResources, where: string): DomainResourceState {
  if (change.vcpus !== undefined && change.vcpus > current.maxVcpus)
    throw new ResourceChangeRefusedError(`domain '${name}': requested ${change.vcpus} vCPUs is greater than the maximum of ${current.maxVcpus} for the ${where} domain`, 8);
  if (change.memoryMiB !== undefined && change.memoryMiB > current.maxMemoryMiB)
    throw new ResourceChangeRefusedError(`domain '${name}': requested ${change.memoryMiB} MiB is more than the maximum of ${current.maxMemoryMiB} MiB for the ${where} domain`, 8);
  return { ...current, vcpus: change.vcpus ?? current.vcpus, memoryMiB: change.memoryMiB ?? current.memoryMiB };
}

/** What a fake guest's agent reports about its system unless a test says otherwise. */
const FAKE_GUEST_SYSTEM: GuestSystemInfo = { hostname: 'fake-guest', osName: 'Fake OS', osVersion: '1', osPrettyName: 'Fake OS 1', kernelRelease: '6.1.0-fake' };

/** Options of the fake: host facts to report. */
export interface FakeHypervisorOptions {
  hostInfo?: Partial<HypervisorHostInfo>;
  /** The CPU hostCpu reports (default: model `fake-cpu` with features `sse4.2` and `avx`). */
  cpu?: { model: string; features: string[] };
}

/** The fake's CPU document, shaped like libvirt's host CPU. */
export function fakeCpuXml(cpu: { model: string; features: string[] }): string {
  return `<cpu><model>${cpu.model}</model>${cpu.features.map((f) => `<feature name='${f}'/>`).join('')}</cpu>`;
}

/** The fake's baseline: the model all share (`qemu64` when they differ) with the features all have. */
function fakeBaseline(hostCpus: string[]): CpuDefinition {
  if (hostCpus.length === 0) throw new HypervisorError('no host CPU to compute a baseline of');
  const parsed = hostCpus.map((xml) => ({ model: /<model>([^<]+)<\/model>/.exec(xml)?.[1] ?? '', features: [...xml.matchAll(/<feature name='([^']+)'\/>/g)].map((m) => m[1] ?? '') }));
  const models = new Set(parsed.map((p) => p.model));
  const common = (parsed[0]?.features ?? []).filter((f) => parsed.every((p) => p.features.includes(f)));
  return { model: models.size === 1 ? [...models][0] ?? 'qemu64' : 'qemu64', features: common.map((name) => ({ name, policy: 'require' })) };
}

const FAILABLE = ['findDomain', 'defineDomain', 'undefineDomain', 'setAutostart', 'setResources', 'attachDisk', 'detachDisk', 'blockResize', 'start', 'shutdown', 'destroy', 'changeCdrom', 'openConsole', 'openVnc', 'domainStats', 'guestInterfaces', 'guestSystemInfo', 'setGuestPassword', 'shutdownByAgent', 'snapshotDisks', 'snapshotWithMemory', 'restoreFromMemory', 'blockPull', 'blockCommit', 'commitActive', 'allDomainStats', 'setQos'] as const;

/** A call held by a test (see `holdNext`): `reached` resolves when the call arrives, `release` lets it go on. */
export interface FakeHold {
  reached: Promise<void>;
  release(): void;
}

/** A hold and the driver's side of it. */
function makeHold(): { hold: FakeHold; arrive(): void; released: Promise<void> } {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  const released = new Promise<void>((r) => (release = r));
  return { hold: { reached, release }, arrive, released };
}

/** A finished block job as the fake reports it to `blockJobEffect`. */
export type FakeBlockJob = { kind: 'pull'; activePath: string; basePath: string | undefined } | { kind: 'commit'; topPath: string; basePath: string };

/** What a domain holds of a QoS, as libvirt does: disk limits live on disks and network ones on NICs, so a domain without them keeps none. */
function heldQos(spec: DomainSpec, qos: DomainQos | undefined): DomainQos {
  return normalizeQos({ ...qos, disk: spec.disks.length ? qos?.disk : undefined, net: spec.nics.length ? qos?.net : undefined });
}

/** In-memory hypervisor; every domain starts and stops instantly. */
export class FakeHypervisorDriver implements HypervisorDriver {
  readonly kind = 'fake';
  readonly networks = new FakeNetworks();

  isConnected(): boolean {
    return !this.closed && this.connected;
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Test hook: the connection drops (calls fail with HypervisorUnavailableError) or comes back. */
  setConnected(connected: boolean): void {
    this.connected = connected;
    queueMicrotask(() => this.connectionListeners.forEach((l) => l(connected)));
  }
  private readonly domains = new Map<string, FakeDomain>();
  private readonly listeners = new Set<(e: DomainLifecycleEvent) => void>();
  private readonly connectionListeners = new Set<(connected: boolean) => void>();
  private connected = true;
  private nextVncPort = 5900;
  private closed = false;

  private readonly failures = new Map<string, Error>();
  private readonly delays = new Map<string, number>();
  private readonly holds = new Map<string, ReturnType<typeof makeHold>>();
  private readonly resized = new Map<string, number>();
  /** Memory files snapshotWithMemory wrote, by path. */
  private readonly savedMemory = new Set<string>();

  constructor(private readonly opts: FakeHypervisorOptions = {}) {
    // Every method checks for a failure a test asked for (failNext) before doing anything.
    for (const method of FAILABLE) {
      const real = this[method].bind(this) as (...args: unknown[]) => Promise<unknown>;
      (this as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
        const delay = this.delays.get(method);
        if (delay !== undefined) {
          this.delays.delete(method);
          await new Promise((r) => setTimeout(r, delay));
        }
        const hold = this.holds.get(method);
        if (hold) {
          this.holds.delete(method);
          hold.arrive();
          await hold.released;
        }
        const err = this.failures.get(method);
        if (!err) return real(...args);
        this.failures.delete(method);
        throw err;
      };
    }
  }

  /** Test hook: the next call of `method` takes `ms` longer (a slow hypervisor). */
  delayNext(method: (typeof FAILABLE)[number], ms: number): void {
    this.delays.set(method, ms);
  }

  /** Test hook: the next call of `method` waits, before doing anything, until the test releases it (to interleave work at a known point). */
  holdNext(method: (typeof FAILABLE)[number]): FakeHold {
    const made = makeHold();
    this.holds.set(method, made);
    return made.hold;
  }

  /** Test hook: the next call of `method` fails with `error` (and does nothing). */
  failNext(method: (typeof FAILABLE)[number], error: Error): void {
    this.failures.set(method, error);
  }

  async hostCpu(_accel: Accel): Promise<string> {
    this.checkOpen();
    return fakeCpuXml(this.opts.cpu ?? { model: 'fake-cpu', features: ['sse4.2', 'avx'] });
  }

  async baselineCpu(hostCpus: string[], _accel: Accel): Promise<CpuDefinition> {
    this.checkOpen();
    return fakeBaseline(hostCpus);
  }

  async hostInfo(): Promise<HypervisorHostInfo> {
    this.checkOpen();
    return { hostname: 'fake-host', cpus: 4, memoryMiB: 8192, libvirtVersion: '9.0.0', hypervisorVersion: '7.2.0', ...this.opts.hostInfo };
  }

  async defineDomain(spec: DomainSpec): Promise<void> {
    this.checkOpen();
    buildDomainXml(spec); // same validation as the real driver
    const existing = this.domains.get(spec.name);
    if (existing && existing.spec.uuid.toLowerCase() !== spec.uuid.toLowerCase()) {
      throw new HypervisorError(`domain '${spec.name}' is already defined with uuid ${existing.spec.uuid}, not ${spec.uuid}`, 9);
    }
    this.domains.set(spec.name, existing ? { ...existing, spec: structuredClone(spec) } : { spec: structuredClone(spec), state: 'shutoff', reason: 0, vncPort: undefined, console: undefined, samples: 0, passwords: new Map([['root', null]]) });
    this.emit(spec.name, 'defined', existing ? 1 : 0);
  }

  async undefineDomain(name: string): Promise<void> {
    const d = this.get(name);
    if (d.state !== 'shutoff' && d.state !== 'crashed') throw new DomainStateError(`domain '${name}' is ${d.state}; stop it before undefining it`, 55);
    this.domains.delete(name);
    this.emit(name, 'undefined', 0, d.spec.uuid);
  }

  async domainOwner(name: string): Promise<DomainOwner | undefined> {
    const { instanceId, owner } = this.get(name).spec;
    return owner ? { instanceId, owner } : { instanceId };
  }

  async listDomains(): Promise<DomainState[]> {
    this.checkOpen();
    return [...this.domains.keys()].map((n) => this.stateOf(n));
  }

  async findDomain(name: string): Promise<DomainState | undefined> {
    this.checkOpen();
    return this.domains.has(name) ? this.stateOf(name) : undefined;
  }

  async start(name: string): Promise<void> {
    const d = this.get(name);
    if (d.state !== 'shutoff' && d.state !== 'crashed') throw new DomainStateError(`domain '${name}' is already ${d.state}; it cannot be started`, 55);
    this.set(d, 'running', 1, 'started');
    d.live = resourcesOfSpec(d.spec);
    d.liveDisks = [...d.spec.disks];
    d.liveQos = heldQos(d.spec, d.spec.qos);
    d.vncPort = this.nextVncPort++;
    d.samples = 0;
  }

  async shutdown(name: string): Promise<void> {
    const d = this.requireActive(name, 'shut down');
    if (!d.ignoresAcpi) this.stop(name, 0);
  }

  async guestAgentConnected(name: string): Promise<boolean> {
    const d = this.get(name);
    return d.state !== 'shutoff' && d.state !== 'crashed' && (this.guestAgentAnswers || d.agent !== undefined);
  }

  async shutdownByAgent(name: string): Promise<void> {
    this.agentOf(this.requireActive(name, 'shut down'));
    this.stop(name, 0);
  }

  async destroy(name: string): Promise<void> {
    this.requireActive(name, 'destroyed');
    this.stop(name, 2);
  }

  async reboot(name: string): Promise<void> {
    this.requireActive(name, 'rebooted');
  }

  async reset(name: string): Promise<void> {
    this.requireActive(name, 'reset');
  }

  async setAutostart(name: string, on: boolean): Promise<void> {
    this.get(name).autostart = on;
  }

  async getAutostart(name: string): Promise<boolean> {
    return this.get(name).autostart === true;
  }

  async suspend(name: string): Promise<void> {
    const d = this.requireActive(name, 'suspended');
    if (d.state !== 'paused') this.set(d, 'paused', 1, 'suspended');
  }

  async resume(name: string): Promise<void> {
    const d = this.requireActive(name, 'resumed');
    if (d.state !== 'paused') throw new DomainStateError(`domain '${name}' is ${d.state}, not paused; it cannot be resumed`, 55);
    this.set(d, 'running', 3, 'resumed');
  }

  async setResources(name: string, resources: DomainResources, target: ResourceTarget): Promise<void> {
    const d = this.get(name);
    const active = d.state !== 'shutoff' && d.state !== 'crashed';
    if (target.live && !active) throw new DomainStateError(`domain '${name}' is not running; its vCPUs and memory can only change in its definition`, 55);
    // Both checked before either is applied: a refusal changes nothing.
    const live = target.live && d.live ? changed(name, d.live, resources, 'live') : undefined;
    const config = target.config ? changed(name, resourcesOfSpec(d.spec), resources, 'persistent') : undefined;
    if (live) d.live = live;
    if (config) d.spec = { ...d.spec, vcpus: config.vcpus, memoryMiB: config.memoryMiB };
  }

  async domainResources(name: string, which: 'live' | 'config'): Promise<DomainResourceState> {
    const d = this.get(name);
    return which === 'live' && d.live && d.state !== 'shutoff' && d.state !== 'crashed' ? { ...d.live } : resourcesOfSpec(d.spec);
  }

  async setQos(name: string, qos: DomainQos, target: ResourceTarget): Promise<void> {
    checkQos(qos);
    const d = this.get(name);
    if (target.live && !isActive(d)) throw new DomainStateError(`domain '${name}' is not running; its QoS can only change in its definition`, 55);
    if (target.live) d.liveQos = heldQos(d.spec, qos);
    if (target.config) d.spec = { ...d.spec, qos: heldQos(d.spec, qos) };
  }

  async domainQos(name: string, which: 'live' | 'config'): Promise<DomainQos> {
    const d = this.get(name);
    return which === 'live' && isActive(d) && d.liveQos ? structuredClone(d.liveQos) : heldQos(d.spec, d.spec.qos);
  }

  async attachDisk(name: string, disk: DiskSpec, where: ResourceTarget): Promise<void> {
    const d = this.get(name);
    if (where.live && !isActive(d)) throw new DomainStateError(`domain '${name}' is not running; a disk can only be added to its definition`, 55);
    const taken = (disks: DiskSpec[]) => {
      if (disks.some((x) => x.target === disk.target)) throw new DiskChangeRefusedError(`domain '${name}' already has a disk '${disk.target}'`, 1);
    };
    checkDisks([disk]);
    if (where.live) taken(this.liveDisksOf(d));
    if (where.config) taken(d.spec.disks);
    if (where.live) d.liveDisks = [...this.liveDisksOf(d), { ...disk }];
    if (where.config) d.spec = { ...d.spec, disks: [...d.spec.disks, { ...disk }] };
  }

  async detachDisk(name: string, target: string, where: ResourceTarget): Promise<void> {
    const d = this.get(name);
    if (where.live && !isActive(d)) throw new DomainStateError(`domain '${name}' is not running; a disk can only be removed from its definition`, 55);
    const missing = (disks: DiskSpec[]) => {
      if (!disks.some((x) => x.target === target)) throw new DiskChangeRefusedError(`domain '${name}' has no disk '${target}'`, 99);
    };
    if (where.live) missing(this.liveDisksOf(d));
    if (where.config) missing(d.spec.disks);
    if (where.live) d.liveDisks = this.liveDisksOf(d).filter((x) => x.target !== target);
    if (where.config) d.spec = { ...d.spec, disks: d.spec.disks.filter((x) => x.target !== target) };
  }

  async blockResize(name: string, target: string, sizeBytes: number): Promise<void> {
    const d = this.requireActive(name, 'resized online');
    if (!this.liveDisksOf(d).some((x) => x.target === target)) throw new DiskChangeRefusedError(`domain '${name}' has no disk '${target}'`, 99);
    this.resized.set(`${name}:${target}`, sizeBytes);
  }

  /** Test hook: the size the last blockResize gave a disk of a running domain. */
  resizedTo(name: string, target: string): number | undefined {
    return this.resized.get(`${name}:${target}`);
  }

  async snapshotDisks(name: string, overlays: { target: string; path: string }[], quiesce: boolean): Promise<void> {
    const d = this.requireActive(name, 'snapshotted live');
    const live = this.liveDisksOf(d);
    for (const o of overlays) if (!live.some((x) => x.target === o.target)) throw new DiskChangeRefusedError(`domain '${name}' has no disk '${o.target}'`, 99);
    if (quiesce) this.quiesceAttempts++;
    if (quiesce && !this.guestAgentAnswers) throw new DiskChangeRefusedError(`the guest agent of domain '${name}' does not answer: cannot freeze its filesystems`, 86);
    const swap = (disks: DiskSpec[]) => disks.map((x) => ({ ...x, path: overlays.find((o) => o.target === x.target)?.path ?? x.path }));
    d.liveDisks = swap(live);
    d.spec = { ...d.spec, disks: swap(d.spec.disks) };
  }

  async snapshotWithMemory(name: string, memoryPath: string, overlays: { target: string; path: string }[], onProgress?: (fraction: number) => void): Promise<void> {
    if (this.savedMemory.has(memoryPath)) throw new DiskChangeRefusedError(`memory state cannot be saved to existing file '${memoryPath}'`, 9);
    await this.snapshotDisks(name, overlays, false);
    this.savedMemory.add(memoryPath);
    onProgress?.(1);
  }

  async restoreFromMemory(name: string, memoryPath: string): Promise<void> {
    if (!this.savedMemory.has(memoryPath)) throw new DiskChangeRefusedError(`no saved memory at '${memoryPath}'`, 38);
    await this.start(name);
  }

  async abortJob(name: string): Promise<void> {
    this.get(name);
  }

  async blockPull(name: string, target: string, basePath: string | undefined, onProgress?: (fraction: number) => void): Promise<void> {
    const d = this.requireActive(name, 'pulled live');
    const disk = this.liveDisksOf(d).find((x) => x.target === target);
    if (!disk) throw new DiskChangeRefusedError(`domain '${name}' has no disk '${target}'`, 99);
    this.blockJobs.push(`pull ${name}:${target}`);
    await this.blockJobEffect?.({ kind: 'pull', activePath: disk.path, basePath });
    onProgress?.(1);
  }

  async blockCommit(name: string, target: string, topPath: string, _basePath: string, onProgress?: (fraction: number) => void): Promise<void> {
    const d = this.requireActive(name, 'committed live');
    const disk = this.liveDisksOf(d).find((x) => x.target === target);
    if (!disk) throw new DiskChangeRefusedError(`domain '${name}' has no disk '${target}'`, 99);
    if (disk.path === topPath) throw new DiskChangeRefusedError(`'${topPath}' is the active file of disk '${target}' of domain '${name}', not a backing file`, 1);
    this.blockJobs.push(`commit ${name}:${target}`);
    await this.blockJobEffect?.({ kind: 'commit', topPath, basePath: _basePath });
    onProgress?.(1);
  }

  async commitActive(name: string, target: string, basePath: string, onProgress?: (fraction: number) => void): Promise<void> {
    const d = this.requireActive(name, 'committed live');
    const live = this.liveDisksOf(d);
    if (!live.some((x) => x.target === target)) throw new DiskChangeRefusedError(`domain '${name}' has no disk '${target}'`, 99);
    this.blockJobs.push(`commit-active ${name}:${target}`);
    const pivot = (disks: DiskSpec[]) => disks.map((x) => (x.target === target ? { ...x, path: basePath } : x));
    d.liveDisks = pivot(live);
    d.spec = { ...d.spec, disks: pivot(d.spec.disks) };
    onProgress?.(1);
  }

  /** Test hook: whether a quiesced snapshot finds a guest agent (default: none answers); a running domain's agent channel is connected then. */
  guestAgentAnswers = false;
  /** Test hook: how many snapshots asked for a quiesce (on libvirt each waits on the guest agent). */
  quiesceAttempts = 0;
  /** Test hook: what QEMU would do to the files when a block job ends (the API harness rebases fake volumes). */
  blockJobEffect?: (job: FakeBlockJob) => Promise<void>;
  /** Test hook: the block jobs run so far (`pull name:vda`, `commit name:vda`). */
  readonly blockJobs: string[] = [];

  async domainDisks(name: string, which: 'live' | 'config'): Promise<DomainDiskState[]> {
    const d = this.get(name);
    const disks = which === 'live' && isActive(d) ? this.liveDisksOf(d) : d.spec.disks;
    return disks.map((x) => ({ target: x.target, path: x.path }));
  }

  private liveDisksOf(d: FakeDomain): DiskSpec[] {
    return d.liveDisks ?? d.spec.disks;
  }

  async changeCdrom(name: string, target: string, path: string | undefined): Promise<void> {
    const d = this.get(name);
    if (d.spec.cdrom.target !== target) throw new DomainStateError(`domain '${name}' has no CD-ROM drive '${target}' (it has '${d.spec.cdrom.target}')`, 55);
    d.spec.cdrom = { ...d.spec.cdrom, path };
  }

  async openVnc(name: string): Promise<Duplex> {
    const d = this.get(name);
    if (d.vncPort === undefined) throw new DomainStateError(`domain '${name}' has no live VNC server; start it first`, 55);
    // A VNC server greets first with its protocol version; the fake then echoes what it gets.
    const server = new PassThrough();
    server.write('RFB 003.008\n');
    return server;
  }

  async openConsole(name: string): Promise<Duplex> {
    const d = this.requireActive(name, 'attached to a console');
    d.console?.end(); // a new console takes over, as with VIR_DOMAIN_CONSOLE_FORCE
    const echo = new PassThrough();
    d.console = echo;
    echo.once('close', () => {
      if (d.console === echo) d.console = undefined;
    });
    return echo;
  }

  async domainStats(name: string): Promise<DomainStats> {
    const d = this.get(name);
    const now = d.live && d.state !== 'shutoff' && d.state !== 'crashed' ? d.live : resourcesOfSpec(d.spec);
    const base = { vcpus: now.vcpus, memoryMiB: now.memoryMiB, sampledAt: Date.now() };
    if (d.state === 'shutoff' || d.state === 'crashed') return { ...base, cpuTimeNs: 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 };
    const n = ++d.samples;
    return { ...base, cpuTimeNs: n * 10_000_000, diskReadBytes: n * 4096, diskWriteBytes: n * 2048, netRxBytes: n * 1500, netTxBytes: n * 500 };
  }

  /** How many times allDomainStats was called (tests count the bulk calls). */
  allStatsCalls = 0;

  async allDomainStats(): Promise<DomainStatsRecord[]> {
    this.allStatsCalls++;
    this.checkOpen();
    const out: DomainStatsRecord[] = [];
    for (const [name, d] of this.domains) {
      if (d.state === 'shutoff' || d.state === 'crashed') continue;
      const { vcpus, memoryMiB } = d.live ?? resourcesOfSpec(d.spec);
      const n = ++d.samples;
      out.push({
        name, vcpus, memoryMiB, memoryUsedMiB: Math.floor(memoryMiB / 2), sampledAt: Date.now(),
        cpuTimeNs: n * 10_000_000, diskReadBytes: n * 4096, diskWriteBytes: n * 2048, diskReadOps: n * 2, diskWriteOps: n, netRxBytes: n * 1500, netTxBytes: n * 500,
      });
    }
    return out;
  }

  /** How many times nodeStats was called; each call the host's CPUs spend 25 % of the time busy (user 2/12, kernel 1/12). */
  nodeStatsCalls = 0;

  async nodeStats(): Promise<NodeStats> {
    const n = ++this.nodeStatsCalls;
    const { memoryMiB } = await this.hostInfo();
    const total = memoryMiB * 1024 * 1024;
    return {
      cpu: { userNs: n * 200_000_000, kernelNs: n * 100_000_000, idleNs: n * 900_000_000, iowaitNs: 0 },
      memory: { totalBytes: total, freeBytes: total / 4, availableBytes: total / 2 },
      sampledAt: Date.now(),
    };
  }

  async guestInterfaces(name: string): Promise<GuestInterfaceInfo[]> {
    const d = this.requireActive(name, 'asked for its interfaces');
    if (!d.agent) throw new GuestAgentUnavailableError(`the guest agent of '${name}' is not connected`, 86);
    return structuredClone(d.agent);
  }

  async guestSystemInfo(name: string): Promise<GuestSystemInfo> {
    const d = this.requireActive(name, 'asked for its system');
    this.agentOf(d);
    return { ...(d.agentInfo ?? FAKE_GUEST_SYSTEM) };
  }

  async setGuestPassword(name: string, user: string, password: string): Promise<void> {
    const d = this.requireActive(name, 'given a password');
    this.agentOf(d);
    if (!d.passwords.has(user)) throw new GuestCommandFailedError(`internal error: unable to execute QEMU agent command 'guest-set-user-password': child process has failed to set user password`, 1);
    d.passwords.set(user, password);
  }

  /** Test hook: the guest agent of a domain answers with these interfaces and this system (undefined: no agent). */
  setGuestAgent(name: string, interfaces: GuestInterfaceInfo[] | undefined, system?: Partial<GuestSystemInfo>): void {
    const d = this.get(name);
    d.agent = interfaces && structuredClone(interfaces);
    d.agentInfo = { ...FAKE_GUEST_SYSTEM, ...system };
  }

  /** Test hook: the guest ignores the ACPI power button (only force-stop or its agent stops it). */
  setIgnoresAcpi(name: string, ignores: boolean): void {
    this.get(name).ignoresAcpi = ignores;
  }

  /** Test hook: the guest has these users besides root (their passwords unset). */
  addGuestUsers(name: string, ...users: string[]): void {
    const d = this.get(name);
    for (const u of users) if (!d.passwords.has(u)) d.passwords.set(u, null);
  }

  /** Test hook: the password set through the agent for `user` (null: never set; undefined: no such user). */
  guestPassword(name: string, user: string): string | null | undefined {
    return this.get(name).passwords.get(user);
  }

  private agentOf(d: FakeDomain): GuestInterfaceInfo[] {
    if (!d.agent) throw new GuestAgentUnavailableError(`the guest agent of '${d.spec.name}' is not connected`, 86);
    return d.agent;
  }

  onLifecycle(listener: (event: DomainLifecycleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }

  /** Test hook: the current spec of a domain (e.g. to assert the CD-ROM path), or undefined. */
  specOf(name: string): DomainSpec | undefined {
    const d = this.domains.get(name);
    return d && structuredClone(d.spec);
  }

  /** Test hook: simulates a guest crash of a running domain. */
  crash(name: string): void {
    const d = this.requireActive(name, 'crashed');
    d.vncPort = undefined;
    d.console?.end();
    this.set(d, 'crashed', 1, 'crashed');
  }

  private checkOpen(): void {
    if (this.closed) throw new HypervisorUnavailableError('the fake hypervisor driver was closed');
    if (!this.connected) throw new HypervisorUnavailableError('the fake hypervisor connection is down');
  }

  /** Test hook: the live migrations asked of this driver, and whether the next one fails. */
  readonly migrations: { name: string; request: LiveMigrationRequest }[] = [];
  failNextMigration = false;
  /** Test hook: the target host's fake, where a live migration delivers the running domain (without one it just leaves this host). */
  migrationPeer?: FakeHypervisorDriver;
  private migrationHold?: ReturnType<typeof makeHold>;
  /** Aborts of the migrations in flight (held), by domain. */
  private readonly inFlight = new Map<string, () => void>();

  /** Test hook: the next live migration waits after its first progress report until released; abortMigration meanwhile cancels it, as libvirt's job abort does. */
  holdNextMigration(): FakeHold {
    this.migrationHold = makeHold();
    return this.migrationHold.hold;
  }

  /** Stands for the source side: reports progress, then the domain is gone from this host (or, when told to fail, stays). */
  async migrateLive(name: string, request: LiveMigrationRequest, onProgress?: (fraction: number) => void): Promise<MigrationResult> {
    const d = this.requireActive(name, 'migrated live');
    this.migrations.push({ name, request });
    if (this.failNextMigration) {
      this.failNextMigration = false;
      throw new MigrationFailedError(`migration of domain '${name}' failed: the fake destination refused it`);
    }
    onProgress?.(0.5);
    const hold = this.migrationHold;
    this.migrationHold = undefined;
    if (hold) {
      hold.arrive();
      await new Promise<void>((resolve, reject) => {
        this.inFlight.set(name, () => reject(new MigrationCancelledError(`migration of domain '${name}' was cancelled`)));
        void hold.released.then(resolve);
      }).finally(() => this.inFlight.delete(name));
    }
    onProgress?.(1);
    this.emit(name, 'undefined', 0);
    this.domains.delete(name);
    if (this.migrationPeer) {
      this.migrationPeer.domains.set(name, { ...d, spec: structuredClone(d.spec), console: undefined });
      this.migrationPeer.emit(name, 'started', 3); // VIR_DOMAIN_EVENT_STARTED_MIGRATED
    }
    return { elapsedMs: 0 };
  }

  async abortMigration(name: string): Promise<void> {
    this.get(name);
    this.inFlight.get(name)?.();
  }

  private get(name: string): FakeDomain {
    this.checkOpen();
    const d = this.domains.get(name);
    if (!d) throw new DomainNotFoundError(name);
    return d;
  }

  private requireActive(name: string, verb: string): FakeDomain {
    const d = this.get(name);
    if (d.state === 'shutoff' || d.state === 'crashed') throw new DomainStateError(`domain '${name}' is not running; it cannot be ${verb}`, 55);
    return d;
  }

  private stop(name: string, detail: number): void {
    const d = this.get(name);
    d.vncPort = undefined;
    d.console?.end();
    this.set(d, 'shutoff', detail === 0 ? 1 : 2, 'stopped', detail);
  }

  private set(d: FakeDomain, state: DomainRunState, reason: number, event: string, detail = 0): void {
    d.state = state;
    d.reason = reason;
    this.emit(d.spec.name, event, detail);
  }

  private stateOf(name: string): DomainState {
    const d = this.get(name);
    return { name, uuid: d.spec.uuid.toLowerCase(), state: d.state, reason: d.reason };
  }

  private emit(name: string, event: string, detail: number, uuid?: string): void {
    const e: DomainLifecycleEvent = { name, uuid: (uuid ?? this.domains.get(name)?.spec.uuid ?? randomUUID()).toLowerCase(), event, detail };
    // Delivered asynchronously, as a real daemon's events are.
    queueMicrotask(() => this.listeners.forEach((l) => l(e)));
  }
}

function isActive(d: FakeDomain): boolean {
  return d.state !== 'shutoff' && d.state !== 'crashed';
}
