/**
 * buildSeed: golden files (testdata/<case>.meta-data, .user-data, .network-config; rewritten
 * with UPDATE_GOLDEN=1), and properties: hostile strings stay values (checked with PyYAML
 * when python3-yaml is installed), multipart only with user data, no password → no password keys.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { command, skipUnlessPresent } from '../../test/require-system.js';
import { buildSeed, MIME_BOUNDARY, yamlString, type CloudInitSpec, type SeedFiles } from './seed.js';

const TESTDATA = fileURLToPath(new URL('./testdata/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm9H2Jc0Xc5ZQ3nP7ExampleKeyOnlyForTests alice@example';
const HASH = '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
const HOSTILE = `x"\n runcmd: [reboot]\\" #: '\t\r\u2028\u0085é😀\ud800\u0000`;

const CASES: Record<string, CloudInitSpec> = {
  'hostname-only': { instanceId: 'ins_abcdefabcdef', hostname: 'web-1' },
  'password-and-keys': { instanceId: 'ins_abcdefabcdef', hostname: 'db-1', password: HASH, sshAuthorizedKeys: [KEY, 'ecdsa-sha2-nistp256 AAAAE2Vj bob'] },
  'user-cloud-config': {
    instanceId: 'ins_abcdefabcdef',
    hostname: 'app-1',
    password: HASH,
    userData: '#cloud-config\npackages:\n  - nginx\nruncmd:\n  - echo héllo > /tmp/x\n',
  },
  'user-script': { instanceId: 'ins_abcdefabcdef', hostname: 'app-2', userData: '#!/bin/sh\necho hi >/dev/console\n' },
  'static-network': {
    instanceId: 'ins_abcdefabcdef',
    hostname: 'net-1',
    staticNetwork: { macAddress: '52:54:00:AB:CD:EF', address: '192.0.2.10/24', gateway: '192.0.2.1', dnsServers: ['192.0.2.53', '2001:db8::53'] },
  },
  'data-disks': {
    instanceId: 'ins_abcdefabcdef',
    hostname: 'files-1',
    dataDisks: [
      { device: '/dev/vdb', filesystem: 'ext4', label: 'onebox-data0', mountPoint: '/data' },
      { device: '/dev/vdc', filesystem: 'xfs', label: 'onebox-data1' },
      { device: '/dev/vdd', filesystem: 'xfs', label: 'onebox-data2', mountPoint: '/srv/backups' },
    ],
  },
};

const FILES: [keyof SeedFiles, string][] = [['metaData', 'meta-data'], ['userData', 'user-data'], ['networkConfig', 'network-config']];

/** Parses YAML with PyYAML's safe loader (what cloud-init uses) and returns it as JSON. */
function pyYaml(text: string): unknown {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: text, encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('buildSeed golden files', () => {
  for (const [name, spec] of Object.entries(CASES)) {
    it(`${name}: matches testdata/${name}.*`, () => {
      const seed = buildSeed(spec);
      for (const [key, ext] of FILES) {
        const file = join(TESTDATA, `${name}.${ext}`);
        const content = seed[key];
        if (UPDATE && content !== undefined) writeFileSync(file, content);
        if (content === undefined) assert.ok(!existsSync(file), `${file} should not exist`);
        else assert.equal(content, readFileSync(file, 'utf8'), `run with UPDATE_GOLDEN=1 to rewrite ${file}`);
      }
    });
  }
});

describe('buildSeed content', () => {
  it('without user data: one plain #cloud-config document, hostname in meta-data and user-data', () => {
    const seed = buildSeed(CASES['hostname-only']);
    assert.match(seed.userData, /^#cloud-config\n/);
    assert.doesNotMatch(seed.userData, /Content-Type|MIME/);
    assert.equal(seed.metaData, 'instance-id: "ins_abcdefabcdef"\nlocal-hostname: "web-1"\n');
    assert.match(seed.userData, /^hostname: "web-1"$/m);
    assert.match(seed.userData, /^growpart:\n {2}mode: "auto"/m);
    assert.match(seed.userData, /^resize_rootfs: true$/m);
    assert.equal(seed.networkConfig, undefined);
  });

  it('no password → no password, chpasswd or ssh_pwauth keys; with one → all three', () => {
    const without = buildSeed({ ...CASES['hostname-only'], sshAuthorizedKeys: [KEY] }).userData;
    assert.doesNotMatch(without, /password|chpasswd|ssh_pwauth/);
    assert.match(without, /ssh_authorized_keys:\n {2}- "ssh-ed25519 /);
    const withPw = buildSeed(CASES['password-and-keys']).userData;
    assert.match(withPw, /^password: "\$6\$saltstring\$/m);
    assert.match(withPw, /^chpasswd:\n {2}expire: false$/m);
    assert.match(withPw, /^ssh_pwauth: true$/m);
  });

  it('user #cloud-config → multipart: ours first (7bit), theirs base64 with a Merge-Type', () => {
    const spec = CASES['user-cloud-config'];
    const { userData } = buildSeed(spec);
    assert.match(userData, new RegExp(`^Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"\n`));
    const parts = userData.split(`--${MIME_BOUNDARY}`);
    assert.equal(parts.length, 4, 'preamble, two parts, closing');
    assert.match(parts[1], /Content-Type: text\/cloud-config; charset="us-ascii"[\s\S]*\n\n#cloud-config\nhostname: "app-1"/);
    assert.match(parts[2], /Content-Type: text\/cloud-config; charset="utf-8"\n[\s\S]*Merge-Type: list\(append\)\+dict\(recurse_array\)\+str\(\)\n\n/);
    const body = parts[2].split('\n\n')[1];
    assert.equal(Buffer.from(body.replace(/\n/g, ''), 'base64').toString('utf8'), spec.userData);
    assert.equal(parts[3], '--\n');
  });

  it('user #! script → a text/x-shellscript part', () => {
    const { userData } = buildSeed(CASES['user-script']);
    assert.match(userData, /Content-Type: text\/x-shellscript; charset="utf-8"/);
    assert.doesNotMatch(userData, /Merge-Type/);
  });

  it('user data of another kind is refused', () => {
    assert.throws(() => buildSeed({ ...CASES['hostname-only'], userData: 'runcmd: [reboot]' }), RangeError);
  });

  it('every file is ASCII and hostile strings never start a line', () => {
    const seed = buildSeed({ instanceId: HOSTILE, hostname: HOSTILE, password: HOSTILE, sshAuthorizedKeys: [HOSTILE] });
    for (const text of [seed.metaData, seed.userData]) {
      assert.match(text, /^[\x20-\x7e\n]*$/);
      assert.doesNotMatch(text, /^\s*runcmd/m);
    }
  });
});

describe('yamlString', () => {
  const table: [string, string][] = [
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['line\nbreak\ttab\rcr', '"line\\nbreak\\ttab\\rcr"'],
    ['\u0000\u0085\u2028é', '"\\u0000\\u0085\\u2028\\u00e9"'],
    ['😀', '"\\U0001f600"'],
    ['\ud800', '"\\ufffd"'],
    ['', '""'],
  ];
  for (const [input, expected] of table) it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(yamlString(input), expected));
});

describe('PyYAML reads back exactly what was meant', { skip: skipUnlessPresent(command('/usr/bin/python3', ['-c', 'import yaml'], 'python3-yaml')) }, () => {
  it('hostile strings round-trip as values, and no extra keys appear', () => {
    const seed = buildSeed({ instanceId: HOSTILE, hostname: HOSTILE, password: HOSTILE, sshAuthorizedKeys: [HOSTILE, KEY] });
    const expected = HOSTILE.replace('\ud800', '\ufffd');
    assert.deepEqual(pyYaml(seed.metaData), { 'instance-id': expected, 'local-hostname': expected });
    assert.deepEqual(pyYaml(seed.userData), {
      hostname: expected,
      preserve_hostname: false,
      password: expected,
      chpasswd: { expire: false },
      ssh_pwauth: true,
      ssh_authorized_keys: [expected, KEY],
      growpart: { mode: 'auto', devices: ['/'] },
      resize_rootfs: true,
    });
  });

  it('data disks: fs_setup per disk (whole disk, never overwriting), mounts only for the ones with a mount point', () => {
    const doc = pyYaml(buildSeed(CASES['data-disks']!).userData) as { fs_setup: unknown; mounts: unknown };
    assert.deepEqual(doc.fs_setup, [
      { label: 'onebox-data0', filesystem: 'ext4', device: '/dev/vdb', partition: 'none', overwrite: false },
      { label: 'onebox-data1', filesystem: 'xfs', device: '/dev/vdc', partition: 'none', overwrite: false },
      { label: 'onebox-data2', filesystem: 'xfs', device: '/dev/vdd', partition: 'none', overwrite: false },
    ]);
    assert.deepEqual(doc.mounts, [
      ['/dev/vdb', '/data', 'ext4', 'defaults,nofail', '0', '2'],
      ['/dev/vdd', '/srv/backups', 'xfs', 'defaults,nofail', '0', '2'],
    ]);
    assert.doesNotMatch(buildSeed(CASES['hostname-only']!).userData, /fs_setup|mounts/);
  });

  it('every golden YAML file parses', () => {
    for (const spec of Object.values(CASES)) {
      const seed = buildSeed(spec);
      pyYaml(seed.metaData);
      if (spec.userData === undefined) pyYaml(seed.userData);
      if (seed.networkConfig) {
        const net = pyYaml(seed.networkConfig) as { version: number; ethernets: { nic0: { addresses: string[] } } };
        assert.equal(net.version, 2);
        assert.deepEqual(net.ethernets.nic0.addresses, ['192.0.2.10/24']);
      }
    }
  });
});
