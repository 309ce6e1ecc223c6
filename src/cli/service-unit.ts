/** The systemd unit `onebox service install` writes: pure text from the executable and the serve flags. */
import { resolve } from 'node:path';

/** Where the unit goes. */
export const UNIT_PATH = '/etc/systemd/system/onebox.service';
/** The unit's name for systemctl. */
export const UNIT_NAME = 'onebox.service';
/** serve's default data directory (written into the unit when no --data-dir is given, so the unit says where the state is). */
export const DEFAULT_DATA_DIR = '/var/lib/onebox';

const PATH_FLAGS = new Set(['--data-dir', '--tls-cert', '--tls-key']);

/**
 * The serve flags as the unit runs them: file paths made absolute (systemd starts in /) and
 * --data-dir always present.
 */
export function unitServeArgs(args: string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  let hasDataDir = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === '--data-dir') hasDataDir = true;
    if (!PATH_FLAGS.has(flag)) {
      out.push(arg);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    out.push(flag, value === undefined ? '' : resolve(cwd, value));
  }
  return hasDataDir ? out : ['--data-dir', DEFAULT_DATA_DIR, ...out];
}

/** One ExecStart word: quoted when it has to be; `%` and `$` escaped (systemd expands both). */
export function execWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The unit text for `command` (the executable and its leading arguments) running `serve ARGS`. */
export function unitFile(command: string[], serveArgs: string[]): string {
  const exec = [...command, 'serve', ...serveArgs].map(execWord).join(' ');
  return `# Written by 'onebox service install'; 'onebox service uninstall' removes it.
[Unit]
Description=onebox private cloud (API, UI and host agent)
After=network-online.target libvirtd.service
Wants=network-online.target libvirtd.service

[Service]
Type=simple
ExecStart=${exec}
Restart=on-failure
RestartSec=5
TimeoutStopSec=60
KillMode=mixed
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;
}
