/**
 * Two "hosts" for live migration, for tests and benchmarks: host A is a lab's host namespace,
 * host B a second namespace added to the lab, joined by a veth pair on 10.n.7.0/24 (nothing in
 * the root namespace). Each runs a private libvirtd listening with TLS on its veth address, with
 * a certificate onebox's CA issued (migration-tls.ts), its own host name and host UUID; QEMU's
 * migration streams use the same certificates. Guests are mini TCG guests without NIC whose
 * files live in a per-host directory (the hosts' "data directories" differ, as on real hosts).
 * With `qemuUser`, QEMU runs as that user (libvirt-qemu, as on a stock Debian host) and the
 * migration files are written for its group, as onebox writes them.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LibvirtConnection } from '../../src/hypervisor/libvirt/connection.js';
import { migrationUri, type MigrationTlsLayout, writeMigrationTls } from '../../src/hypervisor/libvirt/migration-tls.js';
import { groupId, type QemuGroup } from '../../src/hypervisor/libvirt/qemu-group.js';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { run } from '../../src/lib/exec.js';
import { hostCertificateName } from '../../src/lib/host-certificate.js';
import { type CertificateAuthority, createCertificateAuthority, issueCertificate } from '../../src/lib/tls-ca.js';
import { createLab, type Lab } from './netns-lab.js';

/** One host of the pair. */
export interface MigrationHost {
  /** Its network namespace. */
  netns: string;
  /** Its address on the veth link (its libvirtd's TLS and migration address). */
  address: string;
  /** Its guests' files. */
  dir: string;
  daemon: PrivateQemuLibvirtd;
  connection: LibvirtConnection;
  tls: MigrationTlsLayout;
  /** The URI by which the OTHER host's daemon reaches this one (with the other's client certificate). */
  uriFrom(other: MigrationHost): string;
}

/** The pair and its lab. */
export interface MigrationHosts {
  lab: Lab;
  ca: CertificateAuthority;
  a: MigrationHost;
  b: MigrationHost;
  /** Closes the connections and the lab (daemons, guests, namespaces). */
  close(): Promise<void>;
}

/** Files of a guest on a host: its disk, serial console socket and console log. */
export const guestFiles = (host: MigrationHost, name: string) => ({ disk: join(host.dir, `${name}.qcow2`), socket: join(host.dir, `${name}.sock`), log: join(host.dir, `${name}.log`) });

/** QEMU's user `user`: its uid and its group (of the same name) as onebox resolves it. */
function qemuUserOf(user: string): { uid: number; group: QemuGroup } {
  const entry = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  const gid = groupId(user, readFileSync('/etc/group', 'utf8'));
  if (!entry || gid === undefined) throw new Error(`no user and group '${user}' on this machine (Debian's libvirt-daemon-system makes libvirt-qemu)`);
  return { uid: Number(entry.split(':')[2]), group: { name: user, gid, source: 'test' } };
}

/** Creates the two hosts (lab name `name`, see netns-lab); QEMU runs as `options.qemuUser` (default root). */
export async function createMigrationHosts(name: string, options: { qemuUser?: string } = {}): Promise<MigrationHosts> {
  const qemu = options.qemuUser === undefined ? undefined : qemuUserOf(options.qemuUser);
  const lab = await createLab(name);
  const hosts: MigrationHost[] = [];
  try {
    const nsB = await lab.addNamespace('hostb');
    const [addrA, addrB] = [lab.address(7, 1), lab.address(7, 2)];
    await run(['ip', '-n', lab.hostNs, 'link', 'add', 'mig-a', 'type', 'veth', 'peer', 'name', 'mig-b', 'netns', nsB]);
    for (const [ns, dev, addr] of [[lab.hostNs, 'mig-a', addrA], [nsB, 'mig-b', addrB]]) {
      await run(['ip', '-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev]);
      await run(['ip', '-n', ns, 'link', 'set', dev, 'up']);
    }
    const ca = await createCertificateAuthority('onebox live-migration lab');
    // A QEMU that is not root passes through the lab's directory (onebox's data directory is 0710 for its group).
    if (qemu) chmodSync(lab.dir, 0o711);
    for (const [key, netns, address] of [['a', lab.hostNs, addrA], ['b', nsB, addrB]]) {
      const cert = await issueCertificate(ca, { commonName: hostCertificateName(key), altNames: [address], usage: 'both', validityDays: 1 });
      const tls = writeMigrationTls(join(lab.dir, `tls-${key}`), { caPem: ca.certPem, ...cert }, address, qemu?.group);
      const daemon = await lab.startLibvirtdIn(netns, { libvirtdConf: [...tls.libvirtdConf, `host_uuid = "${randomUUID()}"`], qemuConf: tls.qemuConf, hostname: `onebox-host-${key}`, listen: true, qemuUser: options.qemuUser });
      const connection = await LibvirtConnection.open({ socketPath: daemon.socketPath });
      const dir = join(lab.dir, `host-${key}`);
      mkdirSync(dir);
      // QEMU makes its serial log there (libvirt hands it the disks, not the directory).
      if (qemu) chownSync(dir, qemu.uid, qemu.group.gid!);
      hosts.push({ netns, address, dir, daemon, connection, tls, uriFrom: (other) => migrationUri(address, other.tls.pkiDir) });
    }
    return {
      lab,
      ca,
      a: hosts[0],
      b: hosts[1],
      close: async () => {
        for (const h of hosts) await h.connection.close().catch(() => undefined);
        await lab.close();
      },
    };
  } catch (err) {
    for (const h of hosts) await h.connection.close().catch(() => undefined);
    await lab.close();
    throw err;
  }
}

/** A disk on an NFS export, opened by QEMU's own NFS driver (libnfs): the same file for both hosts. */
export interface NfsDisk {
  server: string;
  /** The file's absolute path on the server (inside its export). */
  path: string;
}

/** A 1-vCPU, 256 MiB TCG mini guest without NIC: its serial console (socket and log) on `host`, its disk there too or on `nfs`. */
export function guestXml(host: MigrationHost, name: string, nfs?: NfsDisk): string {
  const f = guestFiles(host, name);
  const disk = nfs
    ? `<disk type='network' device='disk'><driver name='qemu' type='qcow2' cache='none'/><source protocol='nfs' name='${nfs.path}'><host name='${nfs.server}'/></source><target dev='vda' bus='virtio'/></disk>`
    : `<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/><source file='${f.disk}'/><target dev='vda' bus='virtio'/></disk>`;
  return `<domain type='qemu'><name>${name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>
  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model></cpu>
  <devices>
    ${disk}
    <serial type='unix'><source mode='bind' path='${f.socket}'/><log file='${f.log}' append='off'/><target port='0'/></serial>
  </devices></domain>`;
}

/**
 * Starts guest `name` on `from` (a copy-on-write overlay on `image`) and gives `to` a blank disk
 * file of the same size for block migration to fill.
 */
export async function startGuest(from: MigrationHost, to: MigrationHost, name: string, image: string): Promise<void> {
  const { stdout } = await run(['qemu-img', 'info', '-U', '--output=json', image]);
  const size = (JSON.parse(stdout) as { 'virtual-size': number })['virtual-size'];
  await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image, guestFiles(from, name).disk]);
  await run(['qemu-img', 'create', '-q', '-f', 'qcow2', guestFiles(to, name).disk, String(size)]);
  await from.connection.call('DOMAIN_CREATE_XML', { xml_desc: guestXml(from, name), flags: 0 });
}

/**
 * Starts guest `name` on `host` with its disk on an NFS export: a copy of `image` written at
 * `nfs.path` first (the lab's server exports a directory of this machine under the same path).
 */
export async function startNfsGuest(host: MigrationHost, name: string, image: string, nfs: NfsDisk): Promise<void> {
  await run(['cp', image, nfs.path]);
  await host.connection.call('DOMAIN_CREATE_XML', { xml_desc: guestXml(host, name, nfs), flags: 0 });
}

/** Whether guest `name` runs on `host`. */
export async function runsOn(host: MigrationHost, name: string): Promise<boolean> {
  const found = (await host.connection.call('CONNECT_LIST_ALL_DOMAINS', { need_results: 1, flags: 0 })).domains.find((d) => d.name === name);
  if (!found) return false;
  return (await host.connection.call('DOMAIN_IS_ACTIVE', { dom: found })).active === 1;
}

/** Whether `host` knows guest `name` at all (running or defined). */
export async function knows(host: MigrationHost, name: string): Promise<boolean> {
  return (await host.connection.call('CONNECT_LIST_ALL_DOMAINS', { need_results: 1, flags: 0 })).domains.some((d) => d.name === name);
}
