/**
 * A mini test guest defined straight through libvirt (no onebox in between), for lab tests: an
 * overlay on the mini image, one virtio NIC on a libvirt network with a given MAC, TCG, and the
 * serial console on a unix socket (see SerialConsole) with a log file beside it.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../src/lib/exec.js';

/** Where a lab guest's files are. */
export interface LabGuestFiles {
  dir: string;
  disk: string;
  /** Unix socket of the serial console (QEMU listens on it). */
  consoleSocket: string;
  /** Everything the guest printed on its serial console. */
  consoleLog: string;
}

/** Makes a directory under `parent` (e.g. the lab's `dir`) with an overlay disk on `backingImage` (qcow2, never written). */
export async function createGuestFiles(backingImage: string, parent: string): Promise<LabGuestFiles> {
  const dir = mkdtempSync(join(parent, 'guest-'));
  const disk = join(dir, 'disk.qcow2');
  await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', backingImage, disk]);
  return { dir, disk, consoleSocket: join(dir, 'console.sock'), consoleLog: join(dir, 'console.log') };
}

/** Domain XML of a 1-vCPU, 256 MiB TCG guest booting `files.disk` with a NIC (`mac`) on libvirt network `network`. */
export function labGuestXml(name: string, files: LabGuestFiles, network: string, mac: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model></cpu>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${files.disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='${mac}'/>
      <source network='${network}'/>
      <model type='virtio'/>
    </interface>
    <serial type='unix'>
      <source mode='bind' path='${files.consoleSocket}'/>
      <log file='${files.consoleLog}' append='off'/>
      <target port='0'/>
    </serial>
  </devices>
</domain>
`;
}
