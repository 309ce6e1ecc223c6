/**
 * HypervisorDriver: the one interface services use to run domains on a host.
 * Implementations: libvirt (the real one, over libvirt's RPC protocol) and fake (tests).
 * Drivers take plain values and never import services, api or db.
 */
import type { Duplex } from 'node:stream';
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
} from './types.js';
import type { DhcpHost, DhcpLease, VirtualNetworkSpec, VirtualNetworkState } from './network-xml.js';

/** Virtual (NAT) networks of one host. */
export interface VirtualNetworks {
  /** Defines the network (or its new configuration) to start with the hypervisor; does not start it. */
  define(spec: VirtualNetworkSpec): Promise<void>;
  /** Starts a defined network unless it runs. */
  start(name: string): Promise<void>;
  find(name: string): Promise<VirtualNetworkState | undefined>;
  /** The DHCP reservations in the network's configuration. */
  hosts(name: string): Promise<DhcpHost[]>;
  /** Makes the DHCP reservations exactly these, live when the network runs (no restart, no lost leases). */
  setHosts(name: string, hosts: DhcpHost[]): Promise<void>;
  /** Stops and removes the network; a missing one is fine. */
  remove(name: string): Promise<void>;
  leases(name: string): Promise<DhcpLease[]>;
}

/** Operations on domains of one host. Every method that names a domain throws DomainNotFoundError when it does not exist. */
export interface HypervisorDriver {
  /** Short driver name for logs and `doctor`: "libvirt" or "fake". */
  readonly kind: string;

  /** True while the connection to the hypervisor is up (a libvirt driver reconnects by itself). */
  isConnected(): boolean;
  /** Calls `listener(false)` when the connection is lost and `listener(true)` when it is back (events sent meanwhile are lost); returns the unsubscribe function. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;

  /** Host facts (hostname, CPUs, memory, versions). */
  hostInfo(): Promise<HypervisorHostInfo>;
  /** The CPU this hypervisor can give a guest under `accel`, as a `<cpu>` document another host's hypervisor can take into a baseline. */
  hostCpu(accel: Accel): Promise<string>;
  /** The baseline of some hosts' CPUs (each from their hostCpu) that this hypervisor can run under `accel`; HypervisorError when it cannot make one. */
  baselineCpu(hostCpus: string[], accel: Accel): Promise<CpuDefinition>;

  /** Defines (or redefines) a persistent domain from the spec. */
  defineDomain(spec: DomainSpec): Promise<void>;
  /** Whether the hypervisor starts the domain when the host (libvirtd) starts. */
  setAutostart(name: string, on: boolean): Promise<void>;
  getAutostart(name: string): Promise<boolean>;
  /** Removes the persistent definition; the domain must not be running. Also removes its NVRAM/managed save. */
  undefineDomain(name: string): Promise<void>;

  /** What the domain's onebox metadata says (instance and owning installation); undefined for a domain onebox did not define. */
  domainOwner(name: string): Promise<DomainOwner | undefined>;

  /** Lists every domain the hypervisor knows, persistent or transient. */
  listDomains(): Promise<DomainState[]>;
  /** State of one domain, or undefined when it does not exist. */
  findDomain(name: string): Promise<DomainState | undefined>;

  start(name: string): Promise<void>;
  /** Graceful shutdown through ACPI (never through the guest agent). */
  shutdown(name: string): Promise<void>;
  /** Immediate power off. */
  destroy(name: string): Promise<void>;
  /** Graceful reboot through ACPI. */
  reboot(name: string): Promise<void>;
  /** Hard reset, like pressing the reset button. */
  reset(name: string): Promise<void>;
  suspend(name: string): Promise<void>;
  resume(name: string): Promise<void>;

  /**
   * Changes vCPUs and/or memory of the running domain (`live`: vCPU hot-plug and the balloon, up
   * to the maximums it booted with) and/or of its persistent definition (`config`: the next boot,
   * up to the defined maximums). ResourceChangeRefusedError when the hypervisor or the guest
   * refuses (the domain keeps its values); DomainStateError for `live` on a stopped domain.
   */
  setResources(name: string, resources: DomainResources, target: ResourceTarget): Promise<void>;
  /** vCPUs and memory of the domain: `live` (the running domain; its definition when stopped) or `config` (the persistent definition). */
  domainResources(name: string, which: 'live' | 'config'): Promise<DomainResourceState>;

  /**
   * Sets the CPU weight and the disk and network limits of the running domain (`live`) and/or its
   * definition (`config`); the disk limits go to every virtio disk, the network ones to every NIC,
   * and a limit left out is lifted. DomainStateError for `live` on a stopped domain.
   */
  setQos(name: string, qos: DomainQos, target: ResourceTarget): Promise<void>;
  /** The QoS of the domain as the hypervisor holds it (`live` or `config`), read from its first disk and NIC; the default weight reads as none. */
  domainQos(name: string, which: 'live' | 'config'): Promise<DomainQos>;

  /**
   * Adds a virtio disk to the running domain (`live`: hot-plug) and/or its definition (`config`).
   * DiskChangeRefusedError when refused (the target is taken, the hypervisor says no); DomainStateError for `live` on a stopped domain.
   */
  attachDisk(name: string, disk: DiskSpec, where: ResourceTarget): Promise<void>;
  /**
   * Removes the virtio disk on `target` from the running domain (`live`: hot-unplug, waiting for the
   * guest to release it) and/or its definition. DiskChangeRefusedError when the disk is not there or
   * the guest did not release it in time (the definition is then left as it was).
   */
  detachDisk(name: string, target: string, where: ResourceTarget): Promise<void>;
  /** Grows the disk on `target` of the running domain to `sizeBytes` (the guest sees it online). DomainStateError when stopped; DiskChangeRefusedError when refused. */
  blockResize(name: string, target: string, sizeBytes: number): Promise<void>;
  /**
   * Live external disk-only snapshot of the running domain: each listed disk switches to the given,
   * already made qcow2 overlay (whose backing file is the disk's current file), all at once, with no
   * snapshot metadata kept by the hypervisor; the definition switches too (a later boot uses the overlays). `quiesce`: the guest agent freezes the guest's
   * filesystems meanwhile (DiskChangeRefusedError when that or the switch is refused; nothing changed).
   */
  snapshotDisks(name: string, overlays: { target: string; path: string }[], quiesce: boolean): Promise<void>;
  /**
   * Live external snapshot with the guest's memory: the guest pauses while its memory is written to
   * `memoryPath` (which must not exist), then each listed disk switches to its already made overlay,
   * and it resumes; memory and disks describe one instant. Progress is the memory written.
   * DiskChangeRefusedError when refused (nothing switched); DomainStateError when not running.
   */
  snapshotWithMemory(name: string, memoryPath: string, overlays: { target: string; path: string }[], onProgress?: (fraction: number) => void): Promise<void>;
  /**
   * Starts the defined, stopped domain from a memory file taken by snapshotWithMemory, running, with
   * its current definition (whose disks must hold what they held then). DomainStateError when not stopped.
   */
  restoreFromMemory(name: string, memoryPath: string): Promise<void>;
  /** Aborts the job running on the domain (a memory save a dead process left), if any, and resolves once none runs. */
  abortJob(name: string): Promise<void>;
  /**
   * Block pull on the running domain: copies into the disk's active file what its backing chain holds
   * above `basePath` (undefined: everything), then drops those files from the chain; resolves when done.
   */
  blockPull(name: string, target: string, basePath: string | undefined, onProgress?: (fraction: number) => void): Promise<void>;
  /**
   * Intermediate block commit on the running domain: writes `topPath` (a backing file of the disk,
   * not its active file) into its backing file `basePath`, then drops `topPath` from the chain.
   */
  blockCommit(name: string, target: string, topPath: string, basePath: string, onProgress?: (fraction: number) => void): Promise<void>;
  /**
   * Active block commit on the running domain: writes the disk's active file into its backing file
   * `basePath`, then switches the disk back onto `basePath` (pivot); the active file is then unused.
   */
  commitActive(name: string, target: string, basePath: string, onProgress?: (fraction: number) => void): Promise<void>;
  /**
   * Live-migrates the running domain peer-to-peer: this host's hypervisor sends it to the one at
   * `request.destinationUri` (memory, plus the disks `copyDisks` names). Resolves once it runs
   * there and is gone here; MigrationCancelledError after abortMigration, MigrationFailedError
   * otherwise, and then it still runs here. Progress is the fraction of bytes moved.
   */
  migrateLive(name: string, request: LiveMigrationRequest, onProgress?: (fraction: number) => void): Promise<MigrationResult>;
  /** Cancels the domain's migration under way (nothing when none runs). */
  abortMigration(name: string): Promise<void>;
  /** The virtio disks of the domain: `live` (the running domain; its definition when stopped) or `config`. */
  domainDisks(name: string, which: 'live' | 'config'): Promise<DomainDiskState[]>;

  /** Inserts (path) or ejects (undefined) the CD-ROM medium; works running or stopped. */
  changeCdrom(name: string, target: string, path: string | undefined): Promise<void>;

  /** Raw bytes of the running domain's VNC server (RFB); destroy it to close. Throws DomainStateError when the domain has no live VNC server. */
  openVnc(name: string): Promise<Duplex>;

  /** Raw bytes of the running domain's serial console, taking it over from any other client; destroy it to close. Throws DomainStateError when the domain is not running. */
  openConsole(name: string): Promise<Duplex>;

  /**
   * The interfaces and addresses the running guest reports through its QEMU guest agent.
   * Throws DomainStateError when the domain is not running and GuestAgentUnavailableError when
   * no agent answers in a few seconds.
   */
  guestInterfaces(name: string): Promise<GuestInterfaceInfo[]>;

  /** Hostname and OS the running guest reports through its agent. DomainStateError when not running; GuestAgentUnavailableError when no agent answers. */
  guestSystemInfo(name: string): Promise<GuestSystemInfo>;

  /** Sets the password of `user` in the running guest through its agent (guest-set-user-password). DomainStateError when not running; GuestAgentUnavailableError when no agent answers; HypervisorError when the guest refuses (unknown user). */
  setGuestPassword(name: string, user: string, password: string): Promise<void>;

  /**
   * Whether the guest has opened its agent's channel (libvirt's channel state, read from the live
   * definition without asking the agent): false when stopped or when no agent ever started, so a
   * caller skips an agent request that could only fail, or wait out libvirt's agent timeout.
   */
  guestAgentConnected(name: string): Promise<boolean>;

  /** Asks the running guest's agent to power off (guest-shutdown); returns at once like shutdown. DomainStateError when not running; GuestAgentUnavailableError when no agent answers. */
  shutdownByAgent(name: string): Promise<void>;

  /** Cumulative usage counters of a domain (CPU, disk and network bytes); zeros when it is not running. */
  domainStats(name: string): Promise<DomainStats>;
  /** Counters of every running domain of the host in one call (libvirt's virConnectGetAllDomainStats). */
  allDomainStats(): Promise<DomainStatsRecord[]>;
  /** The host's own CPU time counters and memory (libvirt's virNodeGetCPUStats and virNodeGetMemoryStats). */
  nodeStats(): Promise<NodeStats>;

  /** libvirt's NAT networks (bridge, dnsmasq, masquerade): defined from a spec, DHCP reservations changed live. */
  readonly networks: VirtualNetworks;

  /** Subscribes to lifecycle events; returns the unsubscribe function. */
  onLifecycle(listener: (event: DomainLifecycleEvent) => void): () => void;

  /** Releases the connection. */
  close(): Promise<void>;
}
