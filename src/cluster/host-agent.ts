/**
 * HostAgent: the one way the controller acts on a host. The local host is served in-process
 * (LocalHostAgent); a peer is a client of the same interface over the network, so nothing in
 * services knows whether a host is local or remote. Methods are grouped (host, domains,
 * volumes, seeds, consoles) so a remote implementation can be written one group at a time.
 * Errors are the drivers' typed errors (hypervisor/errors, lib/storage-errors, cluster/errors).
 */
import type { Duplex, Readable } from 'node:stream';
import type { DomainOwner, DomainQos, DomainResources, DomainResourceState, DomainState, MigrationResult, ResourceTarget } from '../hypervisor/types.js';
import type { BridgeSetupResult, HostInterface } from '../shared/hosts.js';
import type { ProgressFn } from '../storage/driver.js';
import type {
  AgentEvent,
  ArtifactRef,
  ArtifactSource,
  CloudInitSpec,
  ConsoleKind,
  CpuDefinition,
  DhcpHost,
  DhcpLease,
  DiskPlan,
  DiskVolume,
  DiskFileInfo,
  DiskVolumeInfo,
  GuestDisk,
  DomainStats,
  IncomingFile,
  InstanceFile,
  DomainStatsRecord,
  GuestInterfaceInfo,
  GuestSystemInfo,
  GuestSpec,
  HostFacts,
  HostUsage,
  HostNetworkSpec,
  HostNetworkState,
  LiveMigrationTarget,
  StorageCapacity,
  StoragePoolProbe,
  StoragePoolSpec,
} from './agent-types.js';

/** The host itself: facts, liveness and pushed events. */
export interface HostApi {
  /** CPU, memory, versions, accelerator and the capacity of each given storage pool. */
  facts(pools: StoragePoolSpec[]): Promise<HostFacts>;
  /** The host's own CPU counters, memory, each given storage pool's capacity and its NICs' byte counters (the usage collector's tick). */
  usage(pools: StoragePoolSpec[]): Promise<HostUsage>;
  /** The baseline of some hosts' CPUs (each a HostFacts.cpu) as this host's hypervisor computes it for its accelerator: a pool's CPU. */
  baselineCpu(hostCpus: string[]): Promise<CpuDefinition>;
  /** True while the agent and its hypervisor answer. */
  isOnline(): boolean;
  /** Subscribes to lifecycle and connection events; returns the unsubscribe function. */
  onEvent(listener: (event: AgentEvent) => void): () => void;
}

/** Domains of the host. Every method that names a domain throws DomainNotFoundError when it does not exist. */
export interface DomainsApi {
  /** Defines (or redefines) the persistent domain; the host resolves volumes and artifacts to its own paths. */
  define(spec: GuestSpec): Promise<void>;
  /** Removes the definition (the domain must be stopped). */
  undefine(name: string): Promise<void>;
  setAutostart(name: string, on: boolean): Promise<void>;
  getAutostart(name: string): Promise<boolean>;
  list(): Promise<DomainState[]>;
  find(name: string): Promise<DomainState | undefined>;
  /** Which instance and installation the domain's onebox metadata names; undefined for a domain onebox did not make. */
  owner(name: string): Promise<DomainOwner | undefined>;
  start(name: string): Promise<void>;
  /** Graceful shutdown through ACPI. */
  shutdown(name: string): Promise<void>;
  /** Immediate power off. */
  destroy(name: string): Promise<void>;
  reboot(name: string): Promise<void>;
  reset(name: string): Promise<void>;
  suspend(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  /**
   * Changes vCPUs and/or memory live (hot-plug, balloon; up to the maximums the domain booted
   * with) and/or in the definition. ResourceChangeRefusedError when the hypervisor or guest refuses.
   */
  setResources(name: string, resources: DomainResources, target: ResourceTarget): Promise<void>;
  /** vCPUs and memory of the running domain (`live`; its definition when stopped) or of its definition (`config`). */
  resources(name: string, which: 'live' | 'config'): Promise<DomainResourceState>;
  /** Sets CPU weight and disk/network limits live and/or in the definition (limits left out are lifted). DomainStateError for `live` on a stopped domain. */
  setQos(name: string, qos: DomainQos, target: ResourceTarget): Promise<void>;
  /** The QoS the hypervisor holds for the running domain (`live`) or its definition (`config`). */
  qos(name: string, which: 'live' | 'config'): Promise<DomainQos>;
  /** Adds the instance's volume `disk.volume` (in `pool`) as a virtio disk: hot-plugged (`live`) and/or in the definition (`config`). DiskChangeRefusedError when refused. */
  attachDisk(name: string, instanceId: string, pool: StoragePoolSpec, disk: GuestDisk, where: ResourceTarget): Promise<void>;
  /** Removes the disk on `target` live (waiting for the guest to let go) and/or from the definition; DiskChangeRefusedError when the guest does not release it (the definition stays). */
  detachDisk(name: string, target: string, where: ResourceTarget): Promise<void>;
  /** Grows the disk on `target` of the running domain (the guest sees the new size at once). */
  blockResize(name: string, target: string, sizeBytes: number): Promise<void>;
  /** Targets (vda, vdb, …) of the domain's virtio disks, live or in the definition. */
  diskTargets(name: string, which: 'live' | 'config'): Promise<string[]>;
  /**
   * Live external snapshot: each listed disk of the running domain switches to a new overlay `file`
   * (made here on its current file, which becomes read-only), all disks at once. Tries with the
   * guest's filesystems frozen by its agent first, then without; says which. Nothing changed on failure.
   */
  snapshotDisks(name: string, instanceId: string, pool: StoragePoolSpec, overlays: { target: string; file: string }[]): Promise<{ quiesced: boolean }>;
  /**
   * Live snapshot with the guest's memory: overlays made here as for snapshotDisks, then the guest's
   * memory is written to `memoryFile` (beside them) while it is paused and the disks switch at the same
   * instant. Progress is the memory written. On failure nothing changed and neither overlays nor memory file remain.
   */
  snapshotWithMemory(name: string, instanceId: string, pool: StoragePoolSpec, overlays: { target: string; file: string }[], memoryFile: string, onProgress?: ProgressFn): Promise<{ memoryBytes: number }>;
  /** Starts the stopped domain, running, from `memoryFile` with its current definition (whose disks must sit on the files frozen with that memory). */
  restoreMemory(name: string, instanceId: string, pool: StoragePoolSpec, memoryFile: string): Promise<void>;
  /** After a restart, a memory snapshot whose taker died: `taken` when the disks switched to the overlays; else `undone` (job aborted, its overlays and memory file deleted). */
  settleMemorySnapshot(name: string, instanceId: string, pool: StoragePoolSpec, overlays: { target: string; file: string }[], memoryFile: string): Promise<'taken' | 'undone'>;
  /** Running: merges `parentFile` into the disk's active file (block pull down to the parent's backing file); then nothing uses `parentFile`. */
  blockPull(name: string, instanceId: string, pool: StoragePoolSpec, target: string, parentFile: string): Promise<void>;
  /** Running: merges `topFile` (a backing file of the disk, not its active one) into its backing file `baseFile` (block commit); then nothing uses `topFile`. */
  blockCommit(name: string, instanceId: string, pool: StoragePoolSpec, target: string, topFile: string, baseFile: string): Promise<void>;
  /** Running: merges the disk's active file into its backing file `baseFile` (active block commit) and switches the disk back onto `baseFile`; then nothing uses the former active file. */
  commitActive(name: string, instanceId: string, pool: StoragePoolSpec, target: string, baseFile: string): Promise<void>;
  /** Inserts an ISO (which must be on the host: see VolumesApi.ensureArtifact) or ejects (undefined). */
  changeCdrom(name: string, target: string, media: ArtifactRef | undefined): Promise<void>;
  stats(name: string): Promise<DomainStats>;
  /** Counters of every running domain of the host, in one hypervisor call (the usage collector's tick). */
  allStats(): Promise<DomainStatsRecord[]>;
  /** What the running guest's agent reports (GuestAgentUnavailableError when none answers). */
  guestInterfaces(name: string): Promise<GuestInterfaceInfo[]>;
  /** Hostname and OS the running guest's agent reports (GuestAgentUnavailableError when none answers). */
  guestSystemInfo(name: string): Promise<GuestSystemInfo>;
  /** Sets a guest user's password through the agent (GuestAgentUnavailableError when none answers; GuestCommandFailedError when the guest refuses). */
  setGuestPassword(name: string, user: string, password: string): Promise<void>;
  /** Asks the guest's agent to power off (for guests that ignore ACPI); returns at once. */
  shutdownByAgent(name: string): Promise<void>;
  /**
   * Sends the running domain live to `target`'s hypervisor, peer-to-peer over TLS with this host's
   * migration certificate. Resolves once it runs there and is gone here; MigrationCancelledError
   * after abortMigration, MigrationFailedError otherwise (it then still runs here).
   */
  migrateLive(name: string, target: LiveMigrationTarget, onProgress?: ProgressFn): Promise<MigrationResult>;
  /** Cancels the domain's migration under way (nothing when none runs). */
  abortMigration(name: string): Promise<void>;
}

/** Disks and files on the host. */
export interface VolumesApi {
  /** Makes sure an image or ISO is on the host: fetched through `source`, verified by SHA-256, kept for later. */
  ensureArtifact(ref: ArtifactRef, source: ArtifactSource, onProgress?: ProgressFn): Promise<void>;
  hasArtifact(ref: ArtifactRef): Promise<boolean>;
  /** Forgets the host's copy (the image or ISO was deleted). */
  removeArtifact(ref: ArtifactRef): Promise<void>;
  /** Creates an instance's system and data disks in the pool; on failure nothing of them remains. */
  createInstanceDisks(instanceId: string, pool: StoragePoolSpec, plan: DiskPlan, onProgress?: ProgressFn): Promise<void>;
  /** Removes every file of an instance (disks, seed, console log); nothing to remove is fine. */
  deleteInstance(instanceId: string, pool: StoragePoolSpec): Promise<void>;
  /** Makes this host's own directory of an instance, where its console log goes: a guest arriving by live migration needs it before it starts here, wherever its disks are. */
  prepareHostFiles(instanceId: string): Promise<void>;
  /** Removes only this host's own files of an instance (its console log), never its disks: it moved to another host with its disks on shared storage. Nothing to remove is fine. */
  deleteHostFiles(instanceId: string): Promise<void>;
  capacity(pool: StoragePoolSpec): Promise<StorageCapacity>;
  /** Reaches the pool (mounting an NFS pool, or through QEMU's NFS driver), writes and deletes a probe file, reads its free space; failures are in the answer (`error` with the reason), not thrown. */
  probePool(pool: StoragePoolSpec): Promise<StoragePoolProbe>;
  /** Creates a blank qcow2 disk volume of the instance (VolumeExistsError when it exists). */
  createDisk(instanceId: string, pool: StoragePoolSpec, volume: DiskVolume, sizeBytes: number): Promise<void>;
  /** Grows a disk volume of a stopped instance with qemu-img (never shrinks). */
  resizeDisk(instanceId: string, pool: StoragePoolSpec, volume: DiskVolume, sizeBytes: number): Promise<void>;
  /** Deletes a disk volume of the instance; a missing one is fine. */
  deleteDisk(instanceId: string, pool: StoragePoolSpec, volume: DiskVolume): Promise<void>;
  /** Creates the qcow2 overlay `file` on the instance's file `backingFile` (stopped snapshot, revert). */
  createOverlay(instanceId: string, pool: StoragePoolSpec, file: string, backingFile: string): Promise<void>;
  /** Sizes and backing of one of the instance's files (VolumeNotFoundError when missing). */
  inspectFile(instanceId: string, pool: StoragePoolSpec, file: string): Promise<DiskFileInfo>;
  /** Stopped (or off the running chain): copies `parentFile`'s data into `childFile` and rebases it onto what `parentFile` sits on (qemu-img rebase; killed midway, `childFile` still names `parentFile`). */
  pullIntoFile(instanceId: string, pool: StoragePoolSpec, childFile: string, parentFile: string): Promise<void>;
  /** Deletes one of the instance's files; a missing one is fine. */
  deleteFile(instanceId: string, pool: StoragePoolSpec, file: string): Promise<void>;
  /** Format, virtual and allocated size and backing image of a disk volume (VolumeNotFoundError when missing). */
  inspectDisk(instanceId: string, pool: StoragePoolSpec, volume: DiskVolume): Promise<DiskVolumeInfo>;
  /** Flattens a stopped instance's system disk into one compressed, self-contained qcow2 in the host's scratch space, named by `buildId` (`bld_…`). */
  buildImage(instanceId: string, pool: StoragePoolSpec, buildId: string, onProgress?: ProgressFn): Promise<{ sizeBytes: number }>;
  /** The bytes of a built image (FileMissingError when there is none). */
  openBuild(buildId: string): Promise<Readable>;
  /** Deletes a built image; a missing one is fine. */
  discardBuild(buildId: string): Promise<void>;
  /** Replaces a stopped instance's system disk by a new linked clone of `image` (already on the host) grown to `sizeBytes`; the old disk goes only once the new one is in place. */
  resetSystemDisk(instanceId: string, pool: StoragePoolSpec, image: ArtifactRef, sizeBytes: number): Promise<void>;
  /**
   * Copies a stopped instance's disks into a new instance's volumes (`<volume>.qcow2`): each from
   * the file it writes to now, its chain in the pool flattened, an image it sits on kept as the
   * copy's backing file (a linked clone stays linked) unless `flatten` (then the copy stands alone). On failure nothing of the new one remains.
   */
  cloneDisks(sourceId: string, targetId: string, pool: StoragePoolSpec, disks: { volume: DiskVolume; file: string; flatten?: boolean }[], onProgress?: ProgressFn): Promise<void>;
  /** Rewrites a stopped instance's disk volume without its unused clusters (keeping its backing image) and swaps it in; allocated bytes before and after. */
  compactDisk(instanceId: string, pool: StoragePoolSpec, volume: DiskVolume, onProgress?: ProgressFn): Promise<{ beforeBytes: number; afterBytes: number }>;
  /** Cold migration, source side: every file of a stopped instance in a local pool (disks, overlays, seed; not the console log), with what each sits on. */
  listInstanceFiles(instanceId: string, pool: StoragePoolSpec): Promise<InstanceFile[]>;
  /** Cold migration, source side: the bytes of one of those files. */
  openInstanceFile(instanceId: string, pool: StoragePoolSpec, file: string): Promise<Readable>;
  /** Cold migration, target side: writes one file into the instance's incoming directory (invisible until committed); its size and SHA-256 as written. */
  receiveInstanceFile(instanceId: string, pool: StoragePoolSpec, file: string, source: ArtifactSource): Promise<{ sizeBytes: number; sha256: string }>;
  /** Cold migration, target side: re-points each received qcow2 at its backing on this host (qemu-img rebase -u), then moves the incoming directory into place in one rename (VolumeExistsError when the instance already has files here). */
  commitInstanceFiles(instanceId: string, pool: StoragePoolSpec, files: IncomingFile[]): Promise<void>;
  /** Cold migration, target side: deletes what an unfinished migration received; nothing there is fine. */
  discardInstanceFiles(instanceId: string, pool: StoragePoolSpec): Promise<void>;
}

/** Networks on the host. */
export interface NetworksApi {
  /** Brings the network up as the spec says (idempotent) with exactly its reservations. */
  ensure(spec: HostNetworkSpec): Promise<HostNetworkState>;
  /** Replaces the DHCP reservations (live: no restart, no lost lease). */
  setReservations(networkId: string, reservations: DhcpHost[]): Promise<void>;
  /** Takes the network down on the host (a bridge onebox did not make stays). */
  remove(networkId: string): Promise<void>;
  state(networkId: string): Promise<HostNetworkState>;
  /** The leases handed out on the network (by libvirt's or onebox's dnsmasq). */
  leases(networkId: string): Promise<DhcpLease[]>;
  /** The host's own network interfaces. */
  interfaces(): Promise<HostInterface[]>;
  /** Plans (and with `apply` carries out, with rollback) a new bridge taking over `nic`; BridgeSetupError when refused or failed. */
  bridgeSetup(nic: string, bridge: string, apply: boolean): Promise<BridgeSetupResult>;
}

/** Cloud-init seeds. */
export interface SeedsApi {
  /** Builds (or rebuilds) the instance's NoCloud seed ISO in its pool. */
  write(instanceId: string, pool: StoragePoolSpec, seed: CloudInitSpec): Promise<void>;
}

/** Consoles and their logs. */
export interface ConsolesApi {
  /** A byte stream of the running domain's VNC server or serial console; destroy it to close. */
  open(domainName: string, kind: ConsoleKind): Promise<Duplex>;
  /** The last `maxBytes` of what the guest wrote to its serial console (empty when nothing yet). */
  log(instanceId: string, maxBytes: number): Promise<Readable>;
}

/** Everything the controller can do on one host. */
export interface HostAgent {
  readonly host: HostApi;
  readonly domains: DomainsApi;
  readonly volumes: VolumesApi;
  readonly seeds: SeedsApi;
  readonly consoles: ConsolesApi;
  readonly networks: NetworksApi;
  /** Releases connections; later calls fail. */
  close(): Promise<void>;
}

/** The agents this controller holds, by host id; a host without one is offline. */
export class HostAgents {
  private readonly agents = new Map<string, HostAgent>();

  /** Registers (or replaces) a host's agent. */
  register(hostId: string, agent: HostAgent): void {
    this.agents.set(hostId, agent);
  }

  /** Forgets a host's agent. */
  unregister(hostId: string): void {
    this.agents.delete(hostId);
  }

  /** The agent of a host, or undefined. */
  find(hostId: string): HostAgent | undefined {
    return this.agents.get(hostId);
  }

  /** Every registered agent with its host id. */
  entries(): [string, HostAgent][] {
    return [...this.agents.entries()];
  }
}
