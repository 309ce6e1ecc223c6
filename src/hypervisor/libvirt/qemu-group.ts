/**
 * The group QEMU runs as on this host, so that files QEMU opens by itself — its migration TLS
 * certificate and key — can be given to that group rather than to everybody. libvirt hands a
 * guest's disks to QEMU's user itself (its DAC driver, `dynamic_ownership`); certificate
 * directories named in qemu.conf it does not. The group is qemu.conf's `group` when set, else
 * the packages' default: Debian's `libvirt-qemu`, or RHEL's `qemu` where only that one exists;
 * `+N` is a numeric gid, as in libvirt.
 *
 * When qemu.conf runs QEMU as root (onebox's install does: scripts/start-libvirtd.sh) there is no
 * group to share with: the key QEMU reads is the host's own, which every host's libvirtd admits,
 * so it stays root's alone. Sharing it with a non-root QEMU's group is the price of running QEMU
 * that way (logged at start), until QEMU gets a certificate of its own.
 */
import { chmodSync, chownSync, existsSync, readFileSync } from 'node:fs';

/** Where libvirt's QEMU driver reads its settings. */
export const QEMU_CONF = '/etc/libvirt/qemu.conf';
/** The groups libvirt's packages run QEMU as when qemu.conf sets none: Debian's, then RHEL's. */
export const DEFAULT_QEMU_GROUPS = ['libvirt-qemu', 'qemu'] as const;

/** QEMU's group: its name (or `+gid`), its gid when it exists on this host, and where the name came from. */
export interface QemuGroup {
  name: string;
  gid: number | undefined;
  source: string;
  /** qemu.conf runs QEMU as root (`user = "root"` or `+0`): nothing is shared with a group. */
  runsAsRoot?: boolean;
}

/** The first uncommented `key = "…"` (or `'…'`) setting of a qemu.conf text: libvirt takes the first one. */
function qemuConfSetting(confText: string, key: string): string | undefined {
  const re = new RegExp(`^\\s*${key}\\s*=\\s*(?:"([^"]*)"|'([^']*)')\\s*(#.*)?$`);
  for (const line of confText.split('\n')) {
    const m = re.exec(line);
    if (m) return m[1] ?? m[2];
  }
  return undefined;
}

/** The `group = "…"` setting of a qemu.conf text, if any. */
export const qemuConfGroup = (confText: string): string | undefined => qemuConfSetting(confText, 'group');

/** The `user = "…"` setting of a qemu.conf text, if any. */
export const qemuConfUser = (confText: string): string | undefined => qemuConfSetting(confText, 'user');

/** The gid of group `name` in an /etc/group text (`+N` is gid N itself), or undefined when there is no such group. */
export function groupId(name: string, groupText: string): number | undefined {
  if (/^\+\d+$/.test(name)) return Number(name.slice(1));
  for (const line of groupText.split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && /^\d+$/.test(gid ?? '')) return Number(gid);
  }
  return undefined;
}

/** QEMU's group on this host, from `confFile` (when it exists and sets one) and `groupFile`. */
export function qemuGroup(confFile = QEMU_CONF, groupFile = '/etc/group'): QemuGroup {
  const conf = existsSync(confFile) ? readFileSync(confFile, 'utf8') : '';
  const user = qemuConfUser(conf);
  if (user === 'root' || user === '+0') return { name: 'root', gid: undefined, source: `${confFile} (user = "${user}")`, runsAsRoot: true };
  const set = qemuConfGroup(conf);
  const groups = existsSync(groupFile) ? readFileSync(groupFile, 'utf8') : '';
  if (set !== undefined) return { name: set, gid: groupId(set, groups), source: confFile };
  const name = DEFAULT_QEMU_GROUPS.find((g) => groupId(g, groups) !== undefined) ?? DEFAULT_QEMU_GROUPS[0];
  return { name, gid: groupId(name, groups), source: `the packages' default (${confFile} sets no group)` };
}

/**
 * Gives `path` to this process's user and QEMU's group with `shared` (e.g. 0640), or `alone`
 * (e.g. 0600) when the group does not exist here. Applied on every write: a file's creation mode
 * does not touch a file that was already there.
 */
export function shareWithQemu(path: string, group: QemuGroup, shared: number, alone: number): void {
  if (group.gid === undefined) return chmodSync(path, alone);
  chownSync(path, process.getuid?.() ?? 0, group.gid);
  chmodSync(path, shared);
}
