/**
 * Runs the HypervisorDriver contract against the system libvirtd (qemu:///system) with real
 * TCG guests booting from a blank qcow2 (no OS needed), and for the serial console test a
 * qcow2 overlay of the mini test guest. The mini image is built (or found in the cache) in a
 * `before` hook that finishes before the contract opens its libvirt connection.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { MINI_GUEST_READY, miniImagePath } from '../../../test/fixtures/mini-image.js';
import { skipUnlessPresent, systemLibvirtd } from '../../../test/require-system.js';
import { contractSpec, describeHypervisorDriverContract } from '../driver-contract.js';
import { openLibvirtDriver } from './driver.js';

const skip = skipUnlessPresent(systemLibvirtd());
const dir = mkdtempSync(join(tmpdir(), 'onebox-qemu-contract-'));
const media = join(dir, 'media.iso');
writeFileSync(media, Buffer.alloc(64 * 1024));
let miniImage = '';

/** Each domain gets its own blank disk: QEMU locks images for writing. */
function blankDisk(name: string): string {
  const disk = join(dir, `${name}.qcow2`);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M'], { timeout: 30_000 });
  return disk;
}

/** A qcow2 overlay on `backing` (-u: the backing file may be in use by the running guest). */
function overlayDisk(name: string, n: number, backing: string): string {
  const file = join(dir, `${name}-o${n}.qcow2`);
  const size = JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', backing], { timeout: 30_000, encoding: 'utf8' }))['virtual-size'] as number;
  execFileSync('qemu-img', ['create', '-q', '-u', '-f', 'qcow2', '-b', backing, '-F', 'qcow2', file, String(size)], { timeout: 30_000 });
  return file;
}

/** The backing files below `path`, nearest first. */
function chainOf(path: string): string[] {
  const chain = JSON.parse(execFileSync('qemu-img', ['info', '-U', '--backing-chain', '--output=json', path], { timeout: 30_000, encoding: 'utf8' })) as { filename: string }[];
  return chain.slice(1).map((c) => c.filename);
}

/** A guest that boots the mini image through its own overlay, so the cached image stays untouched. */
function miniGuestSpec(name: string, uuid: string) {
  const overlay = join(dir, `${name}-mini.qcow2`);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', miniImage, '-F', 'qcow2', overlay], { timeout: 30_000 });
  return { ...contractSpec(name, uuid, overlay, join(dir, `${name}-serial.log`)), memoryMiB: 128 };
}

// A root-level hook: it runs before the contract suite's own `before` opens the connection.
before(async () => {
  if (!skip) miniImage = await miniImagePath();
}, { timeout: 600_000 });
after(() => rmSync(dir, { recursive: true, force: true }));

describeHypervisorDriverContract({
  name: 'libvirt qemu:///system (TCG)',
  skip: skip || undefined,
  open: () => openLibvirtDriver({ uri: 'qemu:///system' }),
  makeSpec: (name, uuid) => contractSpec(name, uuid, blankDisk(name), join(dir, `${name}-serial.log`)),
  mediaPath: media,
  supportsCdrom: true,
  supportsVnc: true,
  networksStart: false, // its bridge and firewall rules would appear in the root namespace: started only in the lab
  shutdownStops: false,
  liveMemoryFollows: false,
  agentAbsenceReported: true,
  disks: { extraDisk: (name, n) => blankDisk(`${name}-${n}`), liveDetach: false, blockResize: true },
  snapshots: { overlay: overlayDisk, chainOf },
  console: { kind: 'shell', makeSpec: miniGuestSpec, readyMarker: MINI_GUEST_READY, bootTimeoutMs: 90_000 },
  eventTimeoutMs: 15_000,
});
