/**
 * The plain values the controller and a host agent exchange: what a guest should be (with
 * volume references, never host paths), which files a host needs, what it reports about
 * itself and the events it pushes. Everything here crosses the wire to a peer as JSON.
 */
import type { Readable } from 'node:stream';
import type { CloudInitSpec } from '../cloudinit/seed.js';
import type { DhcpHost, DhcpLease } from '../hypervisor/network-xml.js';
import type { Accel, CpuDefinition, DomainLifecycleEvent, DomainSpec, DomainStats, DomainStatsRecord, GuestInterfaceInfo, GuestSystemInfo, NodeStats } from '../hypervisor/types.js';
import type { DiskFormat, StorageCapacity, StoragePoolProbe, StoragePoolSpec } from '../storage/driver.js';

export type { CloudInitSpec, CpuDefinition, DhcpHost, DhcpLease, DiskFormat, DomainLifecycleEvent, DomainStats, DomainStatsRecord, GuestInterfaceInfo, GuestSystemInfo, StorageCapacity, StoragePoolProbe, StoragePoolSpec };

/** A file of the controller's library (a disk image or an ISO) that a host may need a copy of. */
export interface ArtifactRef {
  shelf: 'images' | 'media';
  /** Its name in the library, unique and made from an id (`img_….qcow2`, `iso_….iso`). */
  fileName: string;
  sha256: string;
  sizeBytes: number;
  /** Disk images only. */
  format?: DiskFormat;
}

/** Where an agent gets an artifact's bytes from. */
export interface ArtifactSource {
  /** The bytes, as a stream from the controller. */
  open(): Promise<Readable>;
  /** The controller's own path of the file, when the agent runs on the same machine (a hard link instead of a copy). Never sent to a peer. */
  localPath?: string;
}

/** How an instance's system disk is made. */
export type SystemDiskPlan =
  | { source: 'blank'; sizeBytes: number }
  | { source: 'linked' | 'full'; image: ArtifactRef; sizeBytes: number };

/** Every disk of a new instance. */
export interface DiskPlan {
  system: SystemDiskPlan;
  data: { sizeBytes: number }[];
}

/** A disk of a guest: one of the instance's own volumes. */
export interface GuestDisk {
  /** `system` or `data-<n>`. */
  volume: 'system' | `data-${number}`;
  /** The file the disk writes to in the instance's directory, once snapshots put overlays on it; absent = `<volume>.qcow2`. */
  file?: string;
  target: string;
  bootOrder?: number;
}

/** The volume of one of an instance's disks. */
export type DiskVolume = GuestDisk['volume'];

/** What the host says about one of an instance's disk volumes. */
export interface DiskVolumeInfo {
  format: string;
  virtualSizeBytes: number;
  /** Bytes the file takes on the host (thin disks take less than their virtual size). */
  actualSizeBytes: number;
  /** The image file under a linked clone, as a file name only (never a host path); undefined for independent disks. */
  backingFile?: string;
}

/** One file of an instance's disk chains as its host sees it (snapshots): names only, never host paths. */
export interface DiskFileInfo {
  virtualSizeBytes: number;
  actualSizeBytes: number;
  /** The file under it when that is one of the instance's files; undefined when it has none or it is an image. */
  backingFile?: string;
  /** Whether it has a backing file at all (an image under a linked clone counts). */
  hasBacking: boolean;
}

/** One file of an instance in a local storage pool, as a cold migration copies it (names only, never host paths). */
export interface InstanceFile {
  /** Its name in the instance's directory (`system.qcow2`, `data-0.qcow2`, `seed.iso`, a snapshot overlay). */
  file: string;
  sizeBytes: number;
  /** What a qcow2 file sits on: another file of the instance, or a library image (its cache file name). */
  backing?: { kind: 'file'; file: string } | { kind: 'image'; fileName: string };
}

/** A received file as the target host must finish it: its backing re-pointed at this host's copy (an image as its library reference). */
export interface IncomingFile {
  file: string;
  backing?: { kind: 'file'; file: string } | { kind: 'image'; ref: ArtifactRef };
}

/** A NIC of a guest on one of onebox's networks. */
export interface GuestNic {
  network: { id: string; kind: 'nat' | 'bridged'; bridge: string };
  mac: string;
}

/** A DomainSpec whose disks, CD-ROM, seed and serial log are references the host resolves to its own paths. */
export interface GuestSpec extends Omit<DomainSpec, 'disks' | 'cdrom' | 'seed' | 'serialLogPath' | 'nics'> {
  nics: GuestNic[];
  storagePool: StoragePoolSpec;
  disks: GuestDisk[];
  cdrom: { media?: ArtifactRef; target: string; bootOrder?: number };
  /** The instance's cloud-init seed volume is attached on this target. */
  seed?: { target: string };
}

/** What a host reports about itself. */
export interface HostFacts {
  hostname: string;
  cpus: number;
  memoryMiB: number;
  libvirtVersion: string;
  hypervisorVersion: string;
  accel: Accel;
  accelReason: string;
  /** Capacity of each storage pool asked about, as this host sees it. */
  storage: ({ poolId: string } & StorageCapacity)[];
  /** Destinations of the host's IPv4 routes (a new NAT subnet must collide with none). */
  routes: string[];
  /** The host's data directory (a live migration moves a guest's file paths under it). */
  dataDir?: string;
  /** How this host reaches NFS pools: a kernel mount, or QEMU's NFS driver by nfs:// URL (where libvirt cannot write a memory file). Absent from older agents. */
  nfsAccess?: 'mount' | 'qemu';
  /** The CPU the host's hypervisor can give a guest under its accelerator (a `<cpu>` document): its part of its pool's CPU baseline. Absent from agents older than the baseline. */
  cpu?: string;
}

/** Cumulative bytes of one host NIC. */
export interface NicCounters {
  device: string;
  rxBytes: number;
  txBytes: number;
}

/** What a host uses right now: its CPU time counters and memory (NodeStats), each storage pool's capacity, each NIC's byte counters. */
export interface HostUsage extends NodeStats {
  storage: ({ poolId: string } & StorageCapacity)[];
  /** Cumulative bytes per host NIC (without loopback and the guests' tap devices). */
  nics: NicCounters[];
}

/** Pushed by an agent: a domain changed, or the agent's link to its hypervisor went down or came back. */
export type AgentEvent = { type: 'lifecycle'; event: DomainLifecycleEvent } | { type: 'connection'; online: boolean };

/** A network as one host must run it: a NAT network (libvirt's) or an existing bridge, with onebox's DHCP reservations. */
export type HostNetworkSpec =
  | {
      id: string;
      kind: 'nat';
      bridge: string;
      gateway: string;
      prefix: number;
      /** range: anyone gets an address (no address pool); reserved: only the MACs given; off: addresses come from cloud-init. */
      dhcp: { kind: 'range'; start: string; end: string } | { kind: 'reserved' } | { kind: 'off' };
      reservations: DhcpHost[];
    }
  | {
      id: string;
      kind: 'bridged';
      bridge: string;
      /** Set when an address pool in dhcp mode serves the network: onebox's dnsmasq answers the reserved MACs only. */
      dhcp?: { gateway: string; prefix: number; dnsServers: string[] };
      reservations: DhcpHost[];
    };

/** Whether a network is up on a host, and why not. */
export interface HostNetworkState {
  id: string;
  active: boolean;
  /** A sentence for people ("the bridge br0 does not exist on this host"). */
  detail: string;
}

/** Which console a stream carries. */
export type ConsoleKind = 'vnc' | 'serial';

/** Where a live migration goes, as the source host's agent needs it. */
export interface LiveMigrationTarget {
  /** The destination host's address its hypervisor listens on (TLS, certificate from onebox's CA). */
  address: string;
  /** The destination host's data directory: paths under the source's move under it. */
  dataDir: string;
  /** Targets (vda, …) of the disks on local storage, copied by block migration (their files made on the destination beforehand); empty on shared storage. */
  copyDisks: string[];
}
