/**
 * `onebox service install|uninstall|status`: onebox as a systemd service. Where systemd does
 * not run (no /run/systemd/system) nothing is written and the command says what to do instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isSea } from 'node:sea';
import { parseServeConfig } from '../config.js';
import { CliError, EXIT, UsageError } from './remote/errors.js';
import { DEFAULT_DATA_DIR, UNIT_NAME, UNIT_PATH, unitFile, unitServeArgs } from './service-unit.js';

/** Whether systemd is the running init (its documented check). */
export const systemdRuns = () => existsSync('/run/systemd/system');

/** How to run this executable: the SEA itself, or node and the script in development. */
export function selfCommand(): string[] {
  return isSea() ? [process.execPath] : [process.execPath, resolve(process.argv[1] ?? '')];
}

/** Runs systemctl, its output passed through; throws when it fails. */
function systemctl(...args: string[]): void {
  const res = spawnSync('systemctl', args, { stdio: 'inherit', timeout: 60_000 });
  if (res.status !== 0) throw new CliError(`'systemctl ${args.join(' ')}' failed${res.status === null ? '' : ` with exit code ${res.status}`}.`, 'systemctl_failed');
}

function noSystemd(what: string): CliError {
  const start = [...selfCommand(), 'serve', '--data-dir', DEFAULT_DATA_DIR].join(' ');
  return new CliError(
    `systemd is not running on this machine (no /run/systemd/system), so ${what}. Start onebox from this machine's init system or a supervisor instead, e.g. 'nohup ${start} >>/var/log/onebox.log 2>&1 &' from /etc/rc.local; 'onebox service install --dry-run' prints the unit for a systemd machine`,
    'systemd_not_running',
    EXIT.refused,
  );
}

/** `service install [--dry-run] [serve flags]`. */
export function installService(serveFlags: string[], dryRun: boolean): number {
  try {
    parseServeConfig(serveFlags);
  } catch (err) {
    throw new UsageError(`these serve flags would not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = unitFile(selfCommand(), unitServeArgs(serveFlags));
  if (dryRun) {
    process.stdout.write(text);
    return EXIT.ok;
  }
  if (!systemdRuns()) throw noSystemd(`nothing was written to ${UNIT_PATH}`);
  writeFileSync(UNIT_PATH, text, { mode: 0o644 });
  systemctl('daemon-reload');
  systemctl('enable', '--now', UNIT_NAME);
  console.log(`Wrote ${UNIT_PATH}, enabled and started ${UNIT_NAME}. 'onebox service status' shows how it runs.`);
  return EXIT.ok;
}

/** `service uninstall`: stops, disables and removes the unit. */
export function uninstallService(): number {
  if (!systemdRuns()) throw noSystemd('there is no onebox service to remove');
  if (existsSync(UNIT_PATH)) {
    spawnSync('systemctl', ['disable', '--now', UNIT_NAME], { stdio: 'inherit', timeout: 60_000 });
    rmSync(UNIT_PATH, { force: true });
  }
  systemctl('daemon-reload');
  console.log(`Removed ${UNIT_NAME}.`);
  return EXIT.ok;
}

/** `service status`: systemctl's own status, its exit code passed on. */
export function serviceStatus(): number {
  if (!systemdRuns()) throw noSystemd('there is no onebox service');
  return spawnSync('systemctl', ['status', '--no-pager', UNIT_NAME], { stdio: 'inherit', timeout: 30_000 }).status ?? EXIT.api;
}
