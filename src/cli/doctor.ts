/**
 * `onebox doctor [--fix]`: checks what onebox needs on this host and says exactly which
 * Debian packages to install; `--fix` installs them with apt-get.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import { openLibvirtDriver } from '../hypervisor/libvirt/driver.js';
import { detectAccel } from '../lib/accel.js';
import { run } from '../lib/exec.js';
import { checkHostnameLookup } from './doctor-hostname.js';
import { checkMigrationTls } from './doctor-migration.js';

/** One check's outcome. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** Debian package that fixes it, when a package does. */
  debianPackage?: string;
  /** False for informational checks that do not fail the doctor. */
  required: boolean;
}

/** True when an executable of that name is on PATH (or in /usr/sbin, where libvirtd lives). */
export function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  for (const dir of [...path.split(delimiter), '/usr/sbin', '/sbin']) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      /* keep looking */
    }
  }
  return false;
}

const programs: [string, string, string][] = [
  ['libvirtd', 'libvirt-daemon-system', 'libvirt daemon'],
  ['qemu-system-x86_64', 'qemu-system-x86', 'QEMU x86-64 emulator'],
  ['qemu-img', 'qemu-utils', 'qemu-img disk tool'],
  ['dnsmasq', 'dnsmasq-base', 'dnsmasq (DHCP for guests)'],
  ['dhcp_release', 'dnsmasq-utils', 'dhcp_release (frees the leases of deleted guests)'],
  ['genisoimage', 'genisoimage', 'genisoimage (cloud-init seed ISOs)'],
  ['ip', 'iproute2', 'iproute2 (bridges)'],
];

/** Runs every check. */
export async function runChecks(dataDir: string, socketPath = '/run/libvirt/libvirt-sock'): Promise<CheckResult[]> {
  const results: CheckResult[] = programs.map(([bin, pkg, what]) => ({
    name: what, ok: onPath(bin), detail: onPath(bin) ? `${bin} found` : `${bin} is missing`, debianPackage: pkg, required: true,
  }));
  results.push(await checkLibvirt(socketPath));
  const accel = detectAccel('auto');
  results.push({ name: 'accelerator', ok: true, detail: `${accel.accel.toUpperCase()}: ${accel.reason}`, required: false });
  results.push(await checkDisk(dataDir));
  results.push(await checkMigrationTls(dataDir));
  results.push(await checkHostnameLookup());
  return results;
}

async function checkLibvirt(socketPath: string): Promise<CheckResult> {
  const name = 'libvirtd reachable';
  if (!existsSync(socketPath))
    return { name, ok: false, detail: `no socket at ${socketPath}: start libvirtd (without systemd: \`libvirtd -d\`)`, debianPackage: 'libvirt-daemon-driver-qemu', required: true };
  try {
    const driver = await openLibvirtDriver({ socketPath, reconnect: false, keepalive: false });
    const info = await driver.hostInfo();
    await driver.close();
    return { name, ok: true, detail: `libvirt ${info.libvirtVersion}, QEMU ${info.hypervisorVersion}`, required: true };
  } catch (err) {
    return { name, ok: false, detail: `cannot talk to libvirtd: ${err instanceof Error ? err.message : String(err)}`, debianPackage: 'libvirt-daemon-driver-qemu', required: true };
  }
}

async function checkDisk(dataDir: string): Promise<CheckResult> {
  let dir = dataDir;
  while (!existsSync(dir) && dir !== '/') dir = join(dir, '..');
  const fs = await statfs(dir);
  const freeGiB = (fs.bavail * fs.bsize) / 1024 ** 3;
  return { name: 'disk space', ok: freeGiB >= 5, detail: `${freeGiB.toFixed(1)} GiB free at ${dir} (need at least 5 GiB)`, required: true };
}

/** Prints the checks; with --fix installs missing packages. Returns the exit code. */
export async function runDoctor(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { fix: { type: 'boolean' }, 'data-dir': { type: 'string' }, 'libvirt-socket': { type: 'string' } } });
  const results = await runChecks(values['data-dir'] ?? process.env.ONEBOX_DATA_DIR ?? '/var/lib/onebox', values['libvirt-socket']);
  for (const r of results) console.log(`${r.ok ? '✓' : r.required ? '✗' : '!'} ${r.name}: ${r.detail}`);
  const missing = [...new Set(results.filter((r) => !r.ok && r.debianPackage).map((r) => r.debianPackage!))];
  if (missing.length === 0) return results.every((r) => r.ok || !r.required) ? 0 : 1;
  const command = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  if (!values.fix) {
    console.log(`\nInstall what is missing with:\n  ${command.join(' ')}\n(or run \`onebox doctor --fix\`)`);
    return 1;
  }
  console.log(`\nRunning: ${command.join(' ')}`);
  await run(command, { timeoutMs: 30 * 60_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  console.log('Installed. Start libvirtd if it is not running (`libvirtd -d` without systemd) and run `onebox doctor` again.');
  return 0;
}
