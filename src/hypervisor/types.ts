/**
 * Value types the hypervisor layer speaks: what a domain should be (DomainSpec) and what
 * the hypervisor says it is (DomainState). Plain data, no libvirt types leak out of here.
 */

/** Which accelerator a domain runs under: hardware KVM or QEMU's software TCG. */
export type Accel = 'kvm' | 'tcg';

/** A feature of a CPU definition: the guest must have it, or must not. */
export interface CpuFeature {
  name: string;
  policy: 'require' | 'disable';
}

/** A CPU as a model plus features (a pool's baseline): every host of the pool can give a guest exactly this. */
export interface CpuDefinition {
  model: string;
  vendor?: string;
  features: CpuFeature[];
}

/**
 * How the guest CPU is presented. `baseline` is the pool's CPU (any accelerator: it was computed for
 * the pool's accelerator); otherwise under TCG it is always the portable `qemu64` model.
 */
export type CpuMode = { kind: 'named'; model: string } | { kind: 'host-passthrough' } | { kind: 'baseline'; cpu: CpuDefinition };

/** One virtual disk backed by a file on the host. */
export interface DiskSpec {
  /** Absolute path to the image file on the host. */
  path: string;
  format: 'qcow2' | 'raw';
  /** Guest device name: vda, vdb, ... (virtio bus). */
  target: string;
  readOnly?: boolean;
  /** Boot order position (1 = first); omitted = not bootable. */
  bootOrder?: number;
}

/** The single CD-ROM drive every domain has; empty when no medium is inserted. */
export interface CdromSpec {
  /** Absolute path of the ISO file, or undefined for an empty tray. */
  path?: string;
  /** Guest device name on the SATA bus, normally `sda`. */
  target: string;
  bootOrder?: number;
}

/** The cloud-init seed drive: a read-only SATA CD-ROM that is never empty and never boots. */
export interface SeedSpec {
  /** Absolute path of the seed ISO. */
  path: string;
  /** Guest device name on the SATA bus, normally `sdb`. */
  target: string;
}

/** One network interface. */
export type NicSpec =
  | { kind: 'bridge'; mac: string; bridge: string }
  | { kind: 'network'; mac: string; network: string };

/** Limits of one virtio disk (libvirt `<iotune>`); a field left out means no limit. */
export interface DiskIoTune {
  readBytesSec?: number;
  writeBytesSec?: number;
  readIops?: number;
  writeIops?: number;
}

/**
 * CPU weight and I/O limits of a domain; left out means libvirt's default (weight 1024, no
 * limit). The disk limits apply to every virtio disk, the network limits to every NIC.
 */
export interface DomainQos {
  /** `<cputune><shares>`: relative CPU weight against the host's other domains. */
  cpuShares?: number;
  disk?: DiskIoTune;
  /** `<bandwidth>` averages in KiB/s, from the guest's side: in = what it receives, out = what it sends. */
  net?: { inKiBps?: number; outKiBps?: number };
}

/** Everything needed to define a persistent domain. */
export interface DomainSpec {
  /** libvirt domain name, unique on the host (onebox uses `ob-<instance id>`). */
  name: string;
  /** RFC 4122 UUID of the domain. */
  uuid: string;
  /** Human readable title (the instance name). */
  title: string;
  /** onebox instance id, written into the domain metadata so domains can be traced back. */
  instanceId: string;
  /** The onebox installation that owns the domain (metadata): a sweep removes only its own orphans, never another server's domains. */
  owner?: string;
  accel: Accel;
  cpu: CpuMode;
  /** vCPUs at boot. */
  vcpus: number;
  /** Most vCPUs the running domain can have (hot-plug); default: `vcpus`. */
  maxVcpus?: number;
  /** Memory at boot (the balloon's target). */
  memoryMiB: number;
  /** Memory QEMU gives the guest, the balloon's ceiling while it runs; default: `memoryMiB`. */
  maxMemoryMiB?: number;
  disks: DiskSpec[];
  cdrom: CdromSpec;
  /** A second, read-only CD-ROM holding the cloud-init NoCloud seed ISO; omitted = none. */
  seed?: SeedSpec;
  nics: NicSpec[];
  /** VNC server: always bound to a local address; the password is per instance. */
  vnc: { listen: string; password: string };
  /** File that receives everything the guest writes to its serial console (via virtlogd). */
  serialLogPath: string;
  /** CPU weight and disk/network limits; omitted = none. */
  qos?: DomainQos;
}

/** vCPUs and memory of a domain, to change (fields left out stay as they are). */
export interface DomainResources {
  vcpus?: number;
  memoryMiB?: number;
}

/** Where a resource change applies: the running domain, its persistent definition, or both. */
export interface ResourceTarget {
  live: boolean;
  config: boolean;
}

/** vCPUs and memory of a domain as the hypervisor reports them (live or in the persistent definition). */
export interface DomainResourceState {
  vcpus: number;
  maxVcpus: number;
  /** The balloon's target (libvirt's currentMemory). */
  memoryMiB: number;
  maxMemoryMiB: number;
}

/** A virtual disk (device `disk`, not a CD-ROM) as the hypervisor has it, live or in the definition. */
export interface DomainDiskState {
  /** Guest device name: vda, vdb, ... */
  target: string;
  /** The file on the host. */
  path: string;
}

/** Observed run state of a domain, normalised from libvirt's virDomainState. */
export type DomainRunState =
  | 'running'
  | 'paused'
  | 'shutoff'
  | 'shutdown' // shutting down
  | 'crashed'
  | 'pmsuspended'
  | 'blocked'
  | 'nostate';

/** What the hypervisor reports about one domain. */
export interface DomainState {
  name: string;
  uuid: string;
  state: DomainRunState;
  /** libvirt's numeric reason for the state, kept for diagnostics. */
  reason: number;
}

/** Lifecycle event pushed by the hypervisor (no polling). */
export interface DomainLifecycleEvent {
  name: string;
  uuid: string;
  /** libvirt event kind, e.g. 'started', 'stopped', 'suspended', 'resumed', 'defined', 'undefined', 'shutdown', 'crashed', 'pmsuspended'. */
  event: string;
  /** libvirt's numeric event detail. */
  detail: number;
}

/** What a domain's onebox metadata says: which instance, of which installation. */
export interface DomainOwner {
  instanceId: string;
  /** Absent on domains defined before onebox recorded owners. */
  owner?: string;
}

/** Facts about the host the hypervisor runs on. */
export interface HypervisorHostInfo {
  hostname: string;
  cpus: number;
  memoryMiB: number;
  /** libvirt library version, e.g. "9.0.0". */
  libvirtVersion: string;
  /** Hypervisor (QEMU) version, e.g. "7.2.0". */
  hypervisorVersion: string;
}


/** One address a guest reports on an interface. */
export interface GuestAddressInfo {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** One interface of a running guest, as its guest agent reports it. */
export interface GuestInterfaceInfo {
  /** The name inside the guest (eth0, ens3, lo). */
  name: string;
  /** Lower-case MAC address; null for interfaces without one. */
  mac: string | null;
  addresses: GuestAddressInfo[];
}

/** What the guest agent says about the guest's system (virDomainGetGuestInfo, OS and hostname); null where it does not say. */
export interface GuestSystemInfo {
  hostname: string | null;
  /** The OS's name (os-release NAME), e.g. "Debian GNU/Linux". */
  osName: string | null;
  /** The OS's version (os-release VERSION, else VERSION_ID). */
  osVersion: string | null;
  /** The OS's pretty name (os-release PRETTY_NAME). */
  osPrettyName: string | null;
  /** The kernel release (uname -r). */
  kernelRelease: string | null;
}

/** Usage counters of one domain at one instant; the counters are cumulative since the domain started (zeros when stopped). */
export interface DomainStats {
  /** CPU time used by the whole domain, in nanoseconds. */
  cpuTimeNs: number;
  vcpus: number;
  /** Memory the guest has now (balloon), or its configured maximum when unknown. */
  memoryMiB: number;
  diskReadBytes: number;
  diskWriteBytes: number;
  netRxBytes: number;
  netTxBytes: number;
  /** When the sample was taken, in milliseconds since the epoch. */
  sampledAt: number;
}

/** The host's own CPU time (all CPUs, cumulative since boot) and memory at one instant, as the hypervisor reports them. */
export interface NodeStats {
  /** CPU time by mode, summed over all CPUs, in nanoseconds (virNodeGetCPUStats with VIR_NODE_CPU_STATS_ALL_CPUS). */
  cpu: { userNs: number; kernelNs: number; idleNs: number; iowaitNs: number };
  /** Memory in bytes; `available` is free + buffers + page cache (what can be had without swapping). */
  memory: { totalBytes: number; freeBytes: number; availableBytes: number };
  /** When the sample was taken, in milliseconds since the epoch. */
  sampledAt: number;
}

/** One running domain's counters from the bulk statistics call (all domains of a host at once). */
export interface DomainStatsRecord extends DomainStats {
  name: string;
  /** Cumulative read and write requests over all disks. */
  diskReadOps: number;
  diskWriteOps: number;
  /** Memory the guest uses (balloon available − unused, else the QEMU process's RSS), in MiB; undefined when neither is reported. */
  memoryUsedMiB?: number;
}

/** What to migrate and where. */
export interface LiveMigrationRequest {
  /** The destination daemon's URI as the source daemon opens it (see migrationUri). */
  destinationUri: string;
  /** Targets (vda, …) of the local disks to copy (block migration); empty on shared storage (memory only). */
  copyDisks: string[];
  /** The domain's XML for the destination (its disk paths there), when they differ from the source's. */
  destinationXml?: string;
  /** Instead of `destinationXml`: every file path under `from` lives under `to` on the destination (the hosts' data directories differ). */
  movePaths?: { from: string; to: string };
  /** Encrypt QEMU's migration and disk streams with the daemons' migration certificates (on unless false). */
  tls?: boolean;
  /** Maximum pause of the guest at the switch-over, in milliseconds (QEMU's default, 300 ms, when not given). */
  maxDowntimeMs?: number;
}

/** Bytes moved so far, as libvirt's job statistics count them (memory plus copied disks). */
export interface MigrationProgress {
  processedBytes: number;
  totalBytes: number;
}

/** What the finished migration measured (from the destination's completed-job statistics when available). */
export interface MigrationResult {
  /** Wall time of the migrate call. */
  elapsedMs: number;
  /** The guest's pause at the switch-over as libvirt measured it; undefined when it reported none. */
  downtimeMs?: number;
}
