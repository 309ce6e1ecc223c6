/**
 * DomainSpec → libvirt domain XML. Pure and deterministic: the same spec always yields
 * the same bytes (golden tests in testdata/ pin them). The spec is validated first and
 * every value goes through the escaping builder in xml.ts.
 */
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { parseNfsUrl } from '../lib/nfs-url.js';
import { HypervisorError } from './errors.js';
import type { CdromSpec, DiskIoTune, DiskSpec, DomainOwner, DomainQos, DomainSpec, NicSpec, SeedSpec } from './types.js';
import { el, renderXml, type XmlElement } from './xml.js';

/** XML namespace of the onebox metadata element inside `<metadata>`. */
export const ONEBOX_METADATA_NS = 'https://onebox.dev/xmlns/instance/1';

/** The DomainSpec cannot become a domain; the message names the offending field and value. */
export class InvalidDomainSpecError extends HypervisorError {
  override name = 'InvalidDomainSpecError';
}

/** Longest VNC password: the RFB protocol uses 8 bytes and libvirt silently truncates longer ones. */
export const VNC_PASSWORD_MAX = 8;

const SAFE_NAME_RE = /^[A-Za-z0-9_.-]+$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC_RE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
const PRINTABLE_ASCII_RE = /^[\x20-\x7e]+$/;

function fail(message: string): never {
  throw new InvalidDomainSpecError(message);
}

function checkSafeName(field: string, value: string, maxLength = 200): void {
  if (!SAFE_NAME_RE.test(value) || value.length > maxLength) {
    fail(`${field} ${JSON.stringify(value)} is invalid: use 1-${maxLength} characters from A-Z a-z 0-9 _ . -`);
  }
}

/** A disk's file: an absolute path, or an `nfs://server/path` URL (QEMU's NFS driver). */
function checkDiskPath(field: string, value: string): void {
  if (parseNfsUrl(value) === undefined) checkAbsPath(field, value);
}

/** `type` and `<source>` of a disk on `path`: a file, or a network disk for an nfs:// URL. */
export function diskSource(path: string): { type: 'file' | 'network'; source: XmlElement } {
  const nfs = parseNfsUrl(path);
  if (!nfs) return { type: 'file', source: el('source', { file: path }) };
  // libvirt's schema wants <identity> on NFS sources: the uid/gid QEMU's libnfs calls the server
  // with. Root, like qemu-img on the host, which makes the files (the export has No_Root_Squash).
  return { type: 'network', source: el('source', { protocol: 'nfs', name: nfs.path }, el('host', { name: nfs.server }), el('identity', { user: 'root', group: 'root' })) };
}

function checkAbsPath(field: string, value: string): void {
  if (!posix.isAbsolute(value) || /[\n\r\0]/.test(value)) {
    fail(`${field} ${JSON.stringify(value)} must be an absolute path without line breaks`);
  }
}

function checkInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    fail(`${field} is ${value}; it must be a whole number of at least ${min}`);
  }
}

function checkMac(field: string, mac: string): void {
  if (!MAC_RE.test(mac)) {
    fail(`${field} ${JSON.stringify(mac)} is not a MAC address like 52:54:00:12:34:56`);
  }
  if (parseInt(mac.slice(0, 2), 16) & 1) {
    fail(`${field} ${mac} is a multicast address; a NIC needs a unicast MAC`);
  }
}

function checkBootOrders(spec: DomainSpec): void {
  const seen = new Set<number>();
  const devices = [
    ...spec.disks.map((d) => ({ id: d.target, order: d.bootOrder })),
    { id: spec.cdrom.target, order: spec.cdrom.bootOrder },
  ];
  for (const { id, order } of devices) {
    if (order === undefined) continue;
    checkInteger(`boot order of ${id}`, order, 1);
    if (seen.has(order)) {
      fail(`boot order ${order} is used twice (again by ${id}); give each bootable device its own position`);
    }
    seen.add(order);
  }
}

/** Checks virtio disks: names like vda, each used once, absolute paths, qcow2 or raw (InvalidDomainSpecError). */
export function checkDisks(disks: DiskSpec[]): void {
  const targets = new Set<string>();
  for (const disk of disks) {
    const dev = disk.target;
    if (!/^vd[a-z]{1,2}$/.test(dev)) fail(`disk target ${JSON.stringify(dev)} must be a virtio name like vda`);
    if (targets.has(dev)) fail(`disk target ${dev} is used by two disks`);
    targets.add(dev);
    checkDiskPath(`disk ${dev} path`, disk.path);
    if (disk.format !== 'qcow2' && disk.format !== 'raw') {
      fail(`disk ${dev} format ${JSON.stringify(disk.format)} must be qcow2 or raw`);
    }
  }
}

function checkCdrom(cdrom: CdromSpec): void {
  if (!/^sd[a-z]{1,2}$/.test(cdrom.target)) {
    fail(`cdrom target ${JSON.stringify(cdrom.target)} must be a SATA name like sda`);
  }
  if (cdrom.path !== undefined) checkAbsPath('cdrom path', cdrom.path);
}

function checkSeed(seed: SeedSpec, cdrom: CdromSpec): void {
  if (!/^sd[a-z]{1,2}$/.test(seed.target)) fail(`seed target ${JSON.stringify(seed.target)} must be a SATA name like sdb`);
  if (seed.target === cdrom.target) fail(`seed target ${seed.target} is also the CD-ROM's; give the seed its own drive`);
  checkDiskPath('seed path', seed.path);
}

function checkNics(nics: NicSpec[]): void {
  const macs = new Set<string>();
  for (const [i, nic] of nics.entries()) {
    checkMac(`nic ${i} mac`, nic.mac);
    const mac = nic.mac.toLowerCase();
    if (macs.has(mac)) fail(`MAC ${mac} is used by two NICs`);
    macs.add(mac);
    // Linux interface names are at most 15 bytes.
    if (nic.kind === 'bridge') checkSafeName(`nic ${i} bridge`, nic.bridge, 15);
    else checkSafeName(`nic ${i} network`, nic.network);
  }
}

function checkVnc(vnc: DomainSpec['vnc']): void {
  if (isIP(vnc.listen) === 0) fail(`vnc listen ${JSON.stringify(vnc.listen)} must be an IP address such as 127.0.0.1`);
  const n = vnc.password.length;
  if (!PRINTABLE_ASCII_RE.test(vnc.password) || n > VNC_PASSWORD_MAX) {
    fail(`the VNC password must be 1-${VNC_PASSWORD_MAX} printable ASCII characters (got ${n}); VNC ignores the rest`);
  }
}

/** Throws InvalidDomainSpecError unless the spec can be turned into valid, safe domain XML. */
export function validateDomainSpec(spec: DomainSpec): void {
  checkSafeName('domain name', spec.name);
  if (!UUID_RE.test(spec.uuid)) {
    fail(`uuid ${JSON.stringify(spec.uuid)} is not a UUID like 123e4567-e89b-12d3-a456-426614174000`);
  }
  if (/[\n\r]/.test(spec.title)) fail(`title ${JSON.stringify(spec.title)} must be a single line`);
  if (spec.instanceId.length === 0) fail('instanceId is empty; every domain must name its onebox instance');
  if (spec.owner !== undefined) checkSafeName('owner', spec.owner, 64);
  if (spec.accel !== 'kvm' && spec.accel !== 'tcg') fail(`accel ${JSON.stringify(spec.accel)} must be kvm or tcg`);
  if (spec.cpu.kind === 'named') checkSafeName('cpu model', spec.cpu.model, 64);
  checkInteger('vcpus', spec.vcpus, 1);
  checkInteger('memoryMiB', spec.memoryMiB, 16);
  if (spec.maxVcpus !== undefined) checkInteger(`maxVcpus (with ${spec.vcpus} vcpus)`, spec.maxVcpus, spec.vcpus);
  if (spec.maxMemoryMiB !== undefined) checkInteger(`maxMemoryMiB (with memoryMiB ${spec.memoryMiB})`, spec.maxMemoryMiB, spec.memoryMiB);
  checkAbsPath('serialLogPath', spec.serialLogPath);
  checkVnc(spec.vnc);
  checkDisks(spec.disks);
  checkCdrom(spec.cdrom);
  if (spec.seed !== undefined) checkSeed(spec.seed, spec.cdrom);
  checkNics(spec.nics);
  checkBootOrders(spec);
  if (spec.qos) checkQos(spec.qos);
}

/** Every limit a positive whole number (libvirt reads 0 as "no limit": leave the field out instead). */
export function checkQos(qos: DomainQos): void {
  const values: [string, number | undefined][] = [
    ['cpuShares', qos.cpuShares],
    ...Object.entries(qos.disk ?? {}).map(([k, v]): [string, number | undefined] => [`disk.${k}`, v]),
    ...Object.entries(qos.net ?? {}).map(([k, v]): [string, number | undefined] => [`net.${k}`, v]),
  ];
  for (const [what, value] of values) if (value !== undefined) checkInteger(`qos ${what}`, value, 1);
}

function metadataXml(instanceId: string, owner: string | undefined): XmlElement {
  return el('onebox:instance', { 'xmlns:onebox': ONEBOX_METADATA_NS }, el('onebox:id', {}, instanceId), owner !== undefined && el('onebox:owner', {}, owner));
}

/** Reads the onebox metadata element back (as libvirt returns it); undefined when it names no instance. */
export function parseOwnerMetadata(xml: string): DomainOwner | undefined {
  const text = (tag: string) => new RegExp(`<(?:\\w+:)?${tag}>([^<]*)</(?:\\w+:)?${tag}>`).exec(xml)?.[1];
  const instanceId = text('id');
  if (!instanceId) return undefined;
  const owner = text('owner');
  return owner ? { instanceId, owner } : { instanceId };
}

function cpuXml(spec: DomainSpec): XmlElement {
  // The pool's baseline, exactly: every host of the pool can run it, so the guest may move between them.
  if (spec.cpu.kind === 'baseline') {
    const { model, vendor, features } = spec.cpu.cpu;
    return el(
      'cpu',
      { mode: 'custom', match: 'exact', check: 'partial' },
      el('model', { fallback: 'forbid' }, model),
      vendor !== undefined && el('vendor', {}, vendor),
      ...features.map((f) => el('feature', { policy: f.policy, name: f.name })),
    );
  }
  // TCG cannot emulate host CPU models faithfully; qemu64 is the portable choice that always starts.
  if (spec.accel === 'tcg') {
    const model = el('model', { fallback: 'forbid' }, 'qemu64');
    return el('cpu', { mode: 'custom', match: 'exact', check: 'none' }, model);
  }
  if (spec.cpu.kind === 'host-passthrough') return el('cpu', { mode: 'host-passthrough', check: 'none' });
  const model = el('model', { fallback: 'allow' }, spec.cpu.model);
  return el('cpu', { mode: 'custom', match: 'exact', check: 'partial' }, model);
}

/** `<vcpu current='N'>max</vcpu>`: the vCPUs beyond N exist as hot-pluggable slots. */
function vcpuXml(spec: DomainSpec): XmlElement {
  const max = spec.maxVcpus ?? spec.vcpus;
  return el('vcpu', max > spec.vcpus ? { placement: 'static', current: spec.vcpus } : { placement: 'static' }, max);
}

function bootXml(order: number | undefined): XmlElement | undefined {
  return order === undefined ? undefined : el('boot', { order });
}

/** `<iotune>` with the limits that are set; nothing when none is. */
function iotuneXml(tune: DiskIoTune | undefined): XmlElement | undefined {
  if (!tune) return undefined;
  const limits: [string, number | undefined][] = [
    ['read_bytes_sec', tune.readBytesSec],
    ['write_bytes_sec', tune.writeBytesSec],
    ['read_iops_sec', tune.readIops],
    ['write_iops_sec', tune.writeIops],
  ];
  const set = limits.filter((l): l is [string, number] => l[1] !== undefined);
  return set.length ? el('iotune', {}, set.map(([tag, value]) => el(tag, {}, value))) : undefined;
}

/** The `<disk>` element of a virtio disk (also what hot-plug sends), with its I/O limits. */
export function diskXml(disk: DiskSpec, tune?: DiskIoTune): XmlElement {
  const { type, source } = diskSource(disk.path);
  return el(
    'disk',
    { type, device: 'disk' },
    el('driver', { name: 'qemu', type: disk.format, discard: 'unmap' }),
    source,
    el('target', { dev: disk.target, bus: 'virtio' }),
    iotuneXml(tune),
    disk.readOnly === true && el('readonly'),
    bootXml(disk.bootOrder),
  );
}

function cdromXml(cdrom: CdromSpec): XmlElement {
  return el(
    'disk',
    { type: 'file', device: 'cdrom' },
    el('driver', { name: 'qemu', type: 'raw' }),
    cdrom.path !== undefined && el('source', { file: cdrom.path }),
    el('target', { dev: cdrom.target, bus: 'sata' }),
    el('readonly'),
    bootXml(cdrom.bootOrder),
  );
}

function seedXml(seed: SeedSpec): XmlElement {
  const { type, source } = diskSource(seed.path);
  return el(
    'disk',
    { type, device: 'cdrom' },
    el('driver', { name: 'qemu', type: 'raw' }),
    source,
    el('target', { dev: seed.target, bus: 'sata' }),
    el('readonly'),
  );
}

/** `<bandwidth>` with the averages that are set (KiB/s); nothing when none is. */
function bandwidthXml(net: DomainQos['net']): XmlElement | undefined {
  if (net?.inKiBps === undefined && net?.outKiBps === undefined) return undefined;
  return el(
    'bandwidth',
    {},
    net.inKiBps !== undefined && el('inbound', { average: net.inKiBps }),
    net.outKiBps !== undefined && el('outbound', { average: net.outKiBps }),
  );
}

function nicXml(nic: NicSpec, net?: DomainQos['net']): XmlElement {
  const source = nic.kind === 'bridge' ? { bridge: nic.bridge } : { network: nic.network };
  return el(
    'interface',
    { type: nic.kind },
    el('mac', { address: nic.mac.toLowerCase() }),
    el('source', source),
    el('model', { type: 'virtio' }),
    bandwidthXml(net),
  );
}

function consoleXml(serialLogPath: string): XmlElement[] {
  return [
    el('serial', { type: 'pty' }, el('log', { file: serialLogPath, append: 'off' }), el('target', { port: 0 })),
    el('console', { type: 'pty' }, el('target', { type: 'serial', port: 0 })),
    el('channel', { type: 'unix' }, el('target', { type: 'virtio', name: 'org.qemu.guest_agent.0' })),
  ];
}

function graphicsXml(vnc: DomainSpec['vnc']): XmlElement[] {
  return [
    el('input', { type: 'tablet', bus: 'usb' }),
    el(
      'graphics',
      { type: 'vnc', port: -1, autoport: 'yes', listen: vnc.listen, passwd: vnc.password },
      el('listen', { type: 'address', address: vnc.listen }),
    ),
    el('video', {}, el('model', { type: 'vga', vram: 16384, heads: 1, primary: 'yes' })),
  ];
}

function devicesXml(spec: DomainSpec): XmlElement {
  return el(
    'devices',
    {},
    spec.disks.map((d) => diskXml(d, spec.qos?.disk)),
    cdromXml(spec.cdrom),
    spec.seed !== undefined && seedXml(spec.seed),
    spec.nics.map((n) => nicXml(n, spec.qos?.net)),
    consoleXml(spec.serialLogPath),
    graphicsXml(spec.vnc),
    el('memballoon', { model: 'virtio' }),
    el('rng', { model: 'virtio' }, el('backend', { model: 'random' }, '/dev/urandom')),
    pciePortsXml(spec),
  );
}

/**
 * PCIe root ports, so disks can be plugged into the running guest: on q35 a hot-plugged device needs
 * an empty root port, and libvirt adds just one beyond those its devices take. The devices at
 * define take one each (disks, NICs, and the USB controller, virtio-serial, balloon and RNG);
 * eight more stay free, as an instance has at most eight data disks. Extra empty ports cost nothing.
 */
const HOTPLUG_PORTS = 8;
const OTHER_PCIE_DEVICES = 4;

function pciePortsXml(spec: DomainSpec): XmlElement[] {
  const ports = spec.disks.length + spec.nics.length + OTHER_PCIE_DEVICES + HOTPLUG_PORTS;
  // Controllers without an index are numbered in order, so the root bus (index 0) is named first.
  return [el('controller', { type: 'pci', index: '0', model: 'pcie-root' }), ...Array.from({ length: ports }, () => el('controller', { type: 'pci', model: 'pcie-root-port' }))];
}

/** Renders the libvirt domain XML for a spec; throws InvalidDomainSpecError on an unsafe or impossible spec. */
export function buildDomainXml(spec: DomainSpec): string {
  validateDomainSpec(spec);
  const domain = el(
    'domain',
    { type: spec.accel === 'kvm' ? 'kvm' : 'qemu' },
    el('name', {}, spec.name),
    el('uuid', {}, spec.uuid.toLowerCase()),
    spec.title !== '' && el('title', {}, spec.title),
    el('metadata', {}, metadataXml(spec.instanceId, spec.owner)),
    // <memory> is what QEMU gives the guest; the balloon holds it at <currentMemory> and can give the rest back live.
    el('memory', { unit: 'MiB' }, spec.maxMemoryMiB ?? spec.memoryMiB),
    el('currentMemory', { unit: 'MiB' }, spec.memoryMiB),
    vcpuXml(spec),
    spec.qos?.cpuShares !== undefined && el('cputune', {}, el('shares', {}, spec.qos.cpuShares)),
    el('os', {}, el('type', { arch: 'x86_64', machine: 'q35' }, 'hvm')),
    el('features', {}, el('acpi'), el('apic')),
    cpuXml(spec),
    el('clock', { offset: 'utc' }),
    el('on_poweroff', {}, 'destroy'),
    el('on_reboot', {}, 'restart'),
    el('on_crash', {}, 'destroy'),
    el('pm', {}, el('suspend-to-mem', { enabled: 'no' }), el('suspend-to-disk', { enabled: 'no' })),
    devicesXml(spec),
  );
  return renderXml(domain);
}
