/**
 * Runs the HypervisorDriver contract against the system libvirtd (qemu:///system) with real
 * TCG guests booting from a blank qcow2 (no OS needed), and for the serial console test a
 * qcow2 overlay of the mini test guest. Skipped when the daemon's socket is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { MINI_GUEST_READY, miniImagePath } from '../../../test/fixtures/mini-image.js';
import { contractSpec, describeHypervisorDriverContract } from '../driver-contract.js';
import { DEFAULT_SOCKET_PATH } from './connection.js';
import { openLibvirtDriver } from './driver.js';

const available = existsSync(DEFAULT_SOCKET_PATH);
const dir = mkdtempSync(join(tmpdir(), 'onebox-qemu-contract-'));
const media = join(dir, 'media.iso');
writeFileSync(media, Buffer.alloc(64 * 1024));

/** Each domain gets its own blank disk: QEMU locks images for writing. */
function blankDisk(name: string): string {
  const disk = join(dir, `${name}.qcow2`);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M'], { timeout: 30_000 });
  return disk;
}

/** A guest that boots the mini image through its own overlay, so the cached image stays untouched. */
function miniGuestSpec(name: string, uuid: string) {
  const overlay = join(dir, `${name}-mini.qcow2`);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', miniImagePath(), '-F', 'qcow2', overlay], { timeout: 30_000 });
  return { ...contractSpec(name, uuid, overlay, join(dir, `${name}-serial.log`)), memoryMiB: 128 };
}

after(() => rmSync(dir, { recursive: true, force: true }));

describeHypervisorDriverContract({
  name: 'libvirt qemu:///system (TCG)',
  skip: available ? undefined : `the system libvirtd socket ${DEFAULT_SOCKET_PATH} is missing (run scripts/start-libvirtd.sh)`,
  open: () => openLibvirtDriver({ uri: 'qemu:///system' }),
  makeSpec: (name, uuid) => contractSpec(name, uuid, blankDisk(name), join(dir, `${name}-serial.log`)),
  mediaPath: media,
  supportsCdrom: true,
  supportsVnc: true,
  shutdownStops: false,
  console: { kind: 'shell', makeSpec: miniGuestSpec, readyMarker: MINI_GUEST_READY, bootTimeoutMs: 90_000 },
  eventTimeoutMs: 15_000,
});
