/**
 * The NoCloud seed of an instance: meta-data, user-data and (optionally) network-config.
 * Pure. The YAML is written by hand and every string value goes through yamlString(), an
 * ASCII-only double-quoted scalar, so no user string can end a value and start a key.
 * With user-supplied user-data the result is a MIME multipart (ours, then theirs) that
 * cloud-init merges; without it, one plain `#cloud-config` document.
 */

/** What goes into an instance's seed. */
export interface CloudInitSpec {
  /** Changes when the guest should run its per-instance modules again; onebox uses the instance id. */
  instanceId: string;
  hostname: string;
  /** Password of the image's default user (root on images without one); clear or a crypt hash (`$6$...`). */
  password?: string;
  /** Public keys for the default user, one per entry. */
  sshAuthorizedKeys?: string[];
  /** The user's own user-data: a `#cloud-config` document or a `#!` script. */
  userData?: string;
  /** A static address for the first NIC (written as network-config v2), instead of DHCP. */
  staticNetwork?: StaticNetworkSpec;
  /** Data disks cloud-init formats (whole disk, no partition table; never over an existing filesystem) and mounts. */
  dataDisks?: DataDiskFormatSpec[];
}

/** A data disk for cloud-init to format and, with a mount point, mount (fs_setup, mounts). */
export interface DataDiskFormatSpec {
  /** The guest device, e.g. `/dev/vdb`. */
  device: string;
  filesystem: 'ext4' | 'xfs';
  /** The filesystem label (at most 12 characters for xfs). */
  label: string;
  mountPoint?: string;
}

/** One statically configured NIC, matched by MAC. */
export interface StaticNetworkSpec {
  macAddress: string;
  /** Address with prefix length, e.g. `192.0.2.10/24`. */
  address: string;
  gateway?: string;
  dnsServers?: string[];
}

/** The files of a NoCloud seed (names as cloud-init expects them on the `cidata` volume). */
export interface SeedFiles {
  metaData: string;
  userData: string;
  networkConfig?: string;
}

/** Boundary of the multipart user-data; user content is base64 in it, so it cannot collide. */
export const MIME_BOUNDARY = '==ONEBOX-CLOUD-INIT==';

/** How cloud-init merges the user's cloud-config into ours: lists append, maps recurse, theirs win on scalars. */
const MERGE_TYPE = 'list(append)+dict(recurse_array)+str()';

/** A YAML double-quoted scalar holding exactly `value`: JSON-style escapes, ASCII only, never a line break. */
export function yamlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    // A lone surrogate (not valid Unicode) becomes U+FFFD, as TextEncoder would make it.
    const raw = ch.codePointAt(0) ?? 0;
    const cp = raw >= 0xd800 && raw <= 0xdfff ? 0xfffd : raw;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0x20 && cp <= 0x7e) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

const list = (key: string, items: string[], indent = ''): string[] =>
  items.length === 0 ? [] : [`${indent}${key}:`, ...items.map((i) => `${indent}  - ${yamlString(i)}`)];

/** Our own `#cloud-config`: hostname, default user's password and keys, root filesystem growth. */
function ourCloudConfig(spec: CloudInitSpec): string {
  const lines = ['#cloud-config', `hostname: ${yamlString(spec.hostname)}`, 'preserve_hostname: false'];
  if (spec.password !== undefined) {
    lines.push(`password: ${yamlString(spec.password)}`, 'chpasswd:', '  expire: false', 'ssh_pwauth: true');
  }
  lines.push(...list('ssh_authorized_keys', spec.sshAuthorizedKeys ?? []));
  lines.push('growpart:', `  mode: ${yamlString('auto')}`, ...list('devices', ['/'], '  '), 'resize_rootfs: true');
  lines.push(...dataDiskLines(spec.dataDisks ?? []));
  return `${lines.join('\n')}\n`;
}

/** fs_setup (whole disk, overwrite: false keeps an existing filesystem) and mounts (nofail: a missing disk does not stop the boot). */
function dataDiskLines(disks: DataDiskFormatSpec[]): string[] {
  if (disks.length === 0) return [];
  const lines = ['fs_setup:'];
  for (const d of disks) {
    lines.push(`  - label: ${yamlString(d.label)}`, `    filesystem: ${yamlString(d.filesystem)}`, `    device: ${yamlString(d.device)}`, `    partition: ${yamlString('none')}`, '    overwrite: false');
  }
  const mounted = disks.filter((d) => d.mountPoint !== undefined);
  if (mounted.length > 0) {
    lines.push('mounts:');
    for (const d of mounted) lines.push(`  - [${[d.device, d.mountPoint ?? '', d.filesystem, 'defaults,nofail', '0', '2'].map(yamlString).join(', ')}]`);
  }
  return lines;
}

/** The MIME type of a user-data document, from its first line. */
function userDataType(userData: string): { type: string; fileName: string } {
  // Same header rule as CLOUD_CONFIG_HEADER in src/shared/schemas.ts (this layer may not import shared).
  if (/^#cloud-config[ \t]*(\r?\n|$)/.test(userData)) return { type: 'text/cloud-config', fileName: 'user-data.cfg' };
  if (userData.startsWith('#!')) return { type: 'text/x-shellscript', fileName: 'user-script' };
  throw new RangeError('user data must start with #cloud-config or #! (a script)');
}

function base64Lines(text: string): string {
  return (Buffer.from(text, 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join('\n');
}

function multipart(ours: string, userData: string): string {
  const theirs = userDataType(userData);
  const part = (headers: string[], body: string) => [`--${MIME_BOUNDARY}`, ...headers, '', body.replace(/\n$/, '')].join('\n');
  return [
    `Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`,
    'MIME-Version: 1.0',
    '',
    part(
      ['Content-Type: text/cloud-config; charset="us-ascii"', 'MIME-Version: 1.0', 'Content-Transfer-Encoding: 7bit', 'Content-Disposition: attachment; filename="onebox.cfg"'],
      ours,
    ),
    part(
      [
        `Content-Type: ${theirs.type}; charset="utf-8"`,
        'MIME-Version: 1.0',
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="${theirs.fileName}"`,
        ...(theirs.type === 'text/cloud-config' ? [`Merge-Type: ${MERGE_TYPE}`] : []),
      ],
      base64Lines(userData),
    ),
    `--${MIME_BOUNDARY}--`,
    '',
  ].join('\n');
}

function networkConfig(net: StaticNetworkSpec): string {
  const lines = [
    'version: 2',
    'ethernets:',
    '  nic0:',
    '    match:',
    `      macaddress: ${yamlString(net.macAddress.toLowerCase())}`,
    ...list('addresses', [net.address], '    '),
  ];
  if (net.gateway !== undefined) {
    lines.push('    routes:', `      - to: ${yamlString('default')}`, `        via: ${yamlString(net.gateway)}`);
  }
  if (net.dnsServers?.length) lines.push('    nameservers:', ...list('addresses', net.dnsServers, '      '));
  return `${lines.join('\n')}\n`;
}

/** Builds the seed files for `spec`; throws RangeError on user data of an unknown kind. */
export function buildSeed(spec: CloudInitSpec): SeedFiles {
  const metaData = `instance-id: ${yamlString(spec.instanceId)}\nlocal-hostname: ${yamlString(spec.hostname)}\n`;
  const ours = ourCloudConfig(spec);
  const userData = spec.userData === undefined ? ours : multipart(ours, spec.userData);
  return { metaData, userData, ...(spec.staticNetwork ? { networkConfig: networkConfig(spec.staticNetwork) } : {}) };
}
