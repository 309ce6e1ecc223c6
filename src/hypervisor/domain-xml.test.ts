/**
 * Golden tests for buildDomainXml: each spec renders byte for byte to testdata/<name>.xml,
 * which libvirt's own schema must accept. `UPDATE_GOLDEN=1` rewrites the files.
 * The TCG cases are also defined in the system libvirtd (then undefined) when it is reachable.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipUnlessPresent, systemLibvirtd } from '../../test/require-system.js';
import { buildDomainXml, InvalidDomainSpecError } from './domain-xml.js';
import type { DomainSpec } from './types.js';

const TESTDATA = fileURLToPath(new URL('./testdata/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function baseSpec(overrides: Partial<DomainSpec> = {}): DomainSpec {
  return {
    name: 'ob-i-min01',
    uuid: '2b7c3f0e-4d1a-4c7e-9a51-0c7d3e9f1a01',
    title: 'minimal',
    instanceId: 'i-min01',
    accel: 'tcg',
    cpu: { kind: 'named', model: 'qemu64' },
    vcpus: 1,
    memoryMiB: 256,
    disks: [{ path: '/var/lib/onebox/disks/i-min01-root.qcow2', format: 'qcow2', target: 'vda', bootOrder: 1 }],
    cdrom: { target: 'sda' },
    nics: [{ kind: 'network', mac: '52:54:00:00:00:01', network: 'default' }],
    vnc: { listen: '127.0.0.1', password: 'pw123456' },
    serialLogPath: '/var/log/onebox/serial/i-min01.log',
    ...overrides,
  };
}

/** Golden cases: file name (without .xml) → spec. */
const CASES: Record<string, DomainSpec> = {
  'tcg-minimal-image': baseSpec(),
  'tcg-blank-iso-cdrom-first': baseSpec({
    name: 'ob-i-iso02',
    uuid: '5f0d2a9c-8e61-4b3f-a2d7-1e4c6b8a9d02',
    title: 'installer',
    instanceId: 'i-iso02',
    // Host CPU choices are ignored under TCG: the output must still say qemu64.
    cpu: { kind: 'host-passthrough' },
    vcpus: 2,
    memoryMiB: 1024,
    disks: [{ path: '/var/lib/onebox/disks/i-iso02-root.raw', format: 'raw', target: 'vda', bootOrder: 2 }],
    cdrom: { target: 'sda', path: '/var/lib/onebox/isos/debian-12.iso', bootOrder: 1 },
    nics: [{ kind: 'bridge', mac: '52:54:00:00:00:02', bridge: 'obbr0' }],
    serialLogPath: '/var/log/onebox/serial/i-iso02.log',
  }),
  'kvm-named-two-disks-two-nics': baseSpec({
    name: 'ob-i-kvm03',
    uuid: '9a3e7b1c-2d4f-4e6a-8b0c-3f5d7e9a1b03',
    title: 'database server',
    instanceId: 'i-kvm03',
    accel: 'kvm',
    cpu: { kind: 'named', model: 'Skylake-Client-IBRS' },
    vcpus: 4,
    memoryMiB: 8192,
    disks: [
      { path: '/var/lib/onebox/disks/i-kvm03-root.qcow2', format: 'qcow2', target: 'vda', bootOrder: 1 },
      { path: '/var/lib/onebox/disks/i-kvm03-data.raw', format: 'raw', target: 'vdb', readOnly: true },
    ],
    cdrom: { target: 'sda', path: '/var/lib/onebox/seeds/i-kvm03-seed.iso' },
    nics: [
      { kind: 'bridge', mac: '52:54:00:AB:CD:03', bridge: 'obbr0' },
      { kind: 'network', mac: '52:54:00:ab:cd:13', network: 'onebox-private' },
    ],
    vnc: { listen: '127.0.0.1', password: 'Kv3Pass!' },
    serialLogPath: '/var/log/onebox/serial/i-kvm03.log',
  }),
  'kvm-host-passthrough': baseSpec({
    name: 'ob-i-hpt04',
    uuid: 'c4d2e6f8-1a3b-4c5d-9e7f-0a1b2c3d4e04',
    title: 'passthrough',
    instanceId: 'i-hpt04',
    accel: 'kvm',
    cpu: { kind: 'host-passthrough' },
    vcpus: 2,
    memoryMiB: 2048,
    serialLogPath: '/var/log/onebox/serial/i-hpt04.log',
  }),
  // A pool's CPU baseline wins over TCG's qemu64: every host of the pool can run exactly it.
  'tcg-pool-baseline': baseSpec({
    name: 'ob-i-cpu07',
    uuid: '5e2f4a6c-8b1d-4f3e-9a7c-1d3e5f7a9b07',
    title: 'baseline',
    instanceId: 'i-cpu07',
    cpu: { kind: 'baseline', cpu: { model: 'EPYC', vendor: 'AMD', features: [{ name: 'sse4.2', policy: 'require' }, { name: 'rdseed', policy: 'disable' }] } },
    serialLogPath: '/var/lib/onebox/instances/i-cpu07/serial.log',
  }),
  'tcg-cloud-init-seed': baseSpec({
    name: 'ob-i-sed06',
    uuid: '7d1e3a5c-9b2f-4e8d-a6c4-2f0e8b7d5a06',
    title: 'cloud-init',
    instanceId: 'i-sed06',
    disks: [{ path: '/var/lib/onebox/instances/i-sed06/system.qcow2', format: 'qcow2', target: 'vda', bootOrder: 1 }],
    seed: { path: '/var/lib/onebox/instances/i-sed06/seed.iso', target: 'sdb' },
    serialLogPath: '/var/lib/onebox/instances/i-sed06/serial.log',
  }),
  // An NFS storage pool reached through QEMU's NFS driver: disks and seed are network disks.
  'tcg-nfs-network-disks': baseSpec({
    name: 'ob-i-nfs08',
    uuid: '9a3c5e7b-2d4f-4b6a-8c0e-7f1a3c5e9b08',
    title: 'on-nfs',
    instanceId: 'i-nfs08',
    disks: [
      { path: 'nfs://10.0.0.5/srv/onebox/i-nfs08/system.qcow2', format: 'qcow2', target: 'vda', bootOrder: 1 },
      { path: 'nfs://nfs.example.lan/srv/onebox/i-nfs08/data-0.qcow2', format: 'qcow2', target: 'vdb' },
    ],
    seed: { path: 'nfs://10.0.0.5/srv/onebox/i-nfs08/seed.iso', target: 'sdb' },
    serialLogPath: '/var/lib/onebox/instances/i-nfs08/serial.log',
  }),
  'tcg-hotplug-maximums': baseSpec({
    name: 'ob-i-hot07',
    uuid: '3c5e7a9b-1d2f-4a6c-8e0b-5d7f9a1c3e07',
    title: 'resizable',
    instanceId: 'i-hot07',
    vcpus: 1,
    maxVcpus: 4,
    memoryMiB: 128,
    maxMemoryMiB: 512,
    serialLogPath: '/var/log/onebox/serial/i-hot07.log',
  }),
  'tcg-qos-limits': baseSpec({
    name: 'ob-i-qos08',
    uuid: '5a7c9e1b-3d5f-4b7a-9c1e-7f9b1d3e5a08',
    title: 'limited',
    instanceId: 'i-qos08',
    disks: [
      { path: '/var/lib/onebox/instances/i-qos08/system.qcow2', format: 'qcow2', target: 'vda', bootOrder: 1 },
      { path: '/var/lib/onebox/instances/i-qos08/data-0.qcow2', format: 'qcow2', target: 'vdb' },
    ],
    nics: [{ kind: 'bridge', mac: '52:54:00:00:00:08', bridge: 'obbr0' }],
    qos: { cpuShares: 2048, disk: { readBytesSec: 10485760, writeBytesSec: 2097152, readIops: 500, writeIops: 200 }, net: { inKiBps: 1000, outKiBps: 250 } },
    serialLogPath: '/var/log/onebox/serial/i-qos08.log',
  }),
  'tcg-qos-priority-only': baseSpec({
    name: 'ob-i-qos09',
    uuid: '6b8d0f2c-4e6a-4c8b-8d2f-8a0c2e4f6b09',
    title: 'low priority, write limit only',
    instanceId: 'i-qos09',
    nics: [{ kind: 'bridge', mac: '52:54:00:00:00:09', bridge: 'obbr0' }],
    qos: { cpuShares: 512, disk: { writeBytesSec: 1048576 }, net: {} },
    serialLogPath: '/var/log/onebox/serial/i-qos09.log',
  }),
  'tcg-hostile-strings': baseSpec({
    name: 'ob-i-esc05',
    uuid: 'E1F2A3B4-C5D6-4E7F-8A9B-0C1D2E3F4A05',
    title: `a<b>&"c' </title><evil/> ]]> &amp;`,
    instanceId: `i-esc05"/><onebox:id>x`,
    disks: [{ path: `/var/lib/onebox/it's <a> & "b".qcow2`, format: 'qcow2', target: 'vda', bootOrder: 1 }],
    cdrom: { target: 'sda', path: `/tmp/'><source file='/etc/shadow'/>.iso` },
    vnc: { listen: '::1', password: `<&'">x` },
    serialLogPath: `/var/log/onebox/a&b<c>'d".log`,
  }),
};

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

describe('buildDomainXml golden files', () => {
  for (const [name, spec] of Object.entries(CASES)) {
    const file = join(TESTDATA, `${name}.xml`);
    it(`${name}: matches ${name}.xml`, () => {
      const xml = buildDomainXml(spec);
      if (UPDATE) writeFileSync(file, xml);
      assert.equal(xml, readFileSync(file, 'utf8'), `run with UPDATE_GOLDEN=1 to rewrite ${file}`);
    });
    it(`${name}: passes virt-xml-validate`, () => {
      const r = run('virt-xml-validate', [file, 'domain']);
      assert.equal(r.status, 0, r.out);
    });
  }
  it('is deterministic', () => {
    assert.equal(buildDomainXml(CASES['kvm-named-two-disks-two-nics']), buildDomainXml(CASES['kvm-named-two-disks-two-nics']));
  });
});

describe('buildDomainXml escaping', () => {
  it('round-trips hostile strings through an XML parser', () => {
    const spec = CASES['tcg-hostile-strings'];
    const dir = mkdtempSync(join(tmpdir(), 'onebox-xml-'));
    try {
      const file = join(dir, 'd.xml');
      writeFileSync(file, buildDomainXml(spec));
      const xpath = (expr: string): string => xpathOf(readFileSync(file, 'utf8'), expr);
      assert.equal(xpath('string(/domain/title)'), spec.title);
      assert.equal(xpath('string(/domain/devices/disk[1]/source/@file)'), spec.disks[0].path);
      assert.equal(xpath('string(/domain/devices/disk[2]/source/@file)'), spec.cdrom.path);
      assert.equal(xpath('string(/domain/devices/graphics/@passwd)'), spec.vnc.password);
      assert.equal(xpath('string(/domain/devices/serial/log/@file)'), spec.serialLogPath);
      assert.equal(xpath('count(/domain/devices/disk)'), '2');
      assert.equal(xpath("string(/domain/metadata/*[local-name()='instance']/*[local-name()='id'])"), spec.instanceId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('buildDomainXml device details', () => {
  it('omits <source> for an empty CD-ROM tray and uses TCG qemu64 regardless of spec.cpu', () => {
    const xml = buildDomainXml(baseSpec({ cpu: { kind: 'named', model: 'EPYC' } }));
    assert.match(xml, /<disk type='file' device='cdrom'>\n\s*<driver name='qemu' type='raw'\/>\n\s*<target dev='sda' bus='sata'\/>/);
    assert.match(xml, /<cpu mode='custom' match='exact' check='none'>\n\s*<model fallback='forbid'>qemu64<\/model>/);
    assert.doesNotMatch(xml, /EPYC|<emulator>|<boot dev/);
  });
});

describe('buildDomainXml rejects bad specs', () => {
  const bad: Array<[string, Partial<DomainSpec>, RegExp]> = [
    ['name with a slash', { name: 'ob/../x' }, /domain name/],
    ['name with a space', { name: 'ob x' }, /domain name/],
    ['empty name', { name: '' }, /domain name/],
    ['zero vcpus', { vcpus: 0 }, /vcpus/],
    ['fractional vcpus', { vcpus: 1.5 }, /vcpus/],
    ['tiny memory', { memoryMiB: 8 }, /memoryMiB/],
    ['relative disk path', { disks: [{ path: 'disk.qcow2', format: 'qcow2', target: 'vda' }] }, /absolute/],
    ['disk path with newline', { disks: [{ path: '/a\nb', format: 'qcow2', target: 'vda' }] }, /absolute/],
    ['relative ISO path', { cdrom: { target: 'sda', path: 'x.iso' } }, /cdrom path/],
    ['relative serial log', { serialLogPath: 'serial.log' }, /serialLogPath/],
    ['bad MAC', { nics: [{ kind: 'bridge', mac: '52:54:00:00:00', bridge: 'br0' }] }, /MAC address/],
    ['multicast MAC', { nics: [{ kind: 'bridge', mac: '01:00:5e:00:00:01', bridge: 'br0' }] }, /multicast/],
    ['bad UUID', { uuid: 'not-a-uuid' }, /uuid/],
    ['long VNC password', { vnc: { listen: '127.0.0.1', password: '123456789' } }, /VNC password/],
    ['empty VNC password', { vnc: { listen: '127.0.0.1', password: '' } }, /VNC password/],
    ['VNC listen not an IP', { vnc: { listen: 'localhost', password: 'x' } }, /vnc listen/],
    ['multi-line title', { title: 'a\nb' }, /single line/],
    ['bridge name too long', { nics: [{ kind: 'bridge', mac: '52:54:00:00:00:01', bridge: 'a-very-long-bridge' }] }, /bridge/],
    ['duplicate disk target', { disks: [{ path: '/a', format: 'raw', target: 'vda' }, { path: '/b', format: 'raw', target: 'vda' }] }, /vda/],
    ['bad disk target', { disks: [{ path: '/a', format: 'raw', target: 'sda' }] }, /disk target/],
    ['duplicate boot order', { cdrom: { target: 'sda', bootOrder: 1 } }, /boot order 1/],
    ['seed on the CD-ROM drive', { seed: { path: '/seed.iso', target: 'sda' } }, /seed target sda/],
    ['seed on a virtio name', { seed: { path: '/seed.iso', target: 'vdb' } }, /seed target/],
    ['relative seed path', { seed: { path: 'seed.iso', target: 'sdb' } }, /seed path/],
    ['maximum vCPUs below the vCPUs', { vcpus: 2, maxVcpus: 1 }, /maxVcpus \(with 2 vcpus\) is 1/],
    ['maximum memory below the memory', { memoryMiB: 256, maxMemoryMiB: 128 }, /maxMemoryMiB \(with memoryMiB 256\) is 128/],
    ['cpu model with markup', { accel: 'kvm', cpu: { kind: 'named', model: '<x>' } }, /cpu model/],
    ['zero CPU shares', { qos: { cpuShares: 0 } }, /qos cpuShares is 0/],
    ['fractional disk limit', { qos: { disk: { writeBytesSec: 1.5 } } }, /qos disk.writeBytesSec is 1.5/],
    ['negative network limit', { qos: { net: { inKiBps: -1 } } }, /qos net.inKiBps is -1/],
  ];
  for (const [label, overrides, message] of bad) {
    it(label, () => {
      assert.throws(() => buildDomainXml(baseSpec(overrides)), (err: unknown) => {
        assert.ok(err instanceof InvalidDomainSpecError, String(err));
        assert.match(err.message, message);
        return true;
      });
    });
  }
});

function xpathOf(xml: string, expr: string): string {
  const r = spawnSync('xmllint', ['--xpath', expr, '-'], { input: xml, encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  // xmllint ends its --xpath output with one newline of its own.
  return r.stdout.endsWith('\n') ? r.stdout.slice(0, -1) : r.stdout;
}

describe('system libvirtd accepts TCG domains', { skip: skipUnlessPresent(systemLibvirtd()) }, () => {
  for (const name of ['tcg-minimal-image', 'tcg-blank-iso-cdrom-first', 'tcg-hostile-strings', 'tcg-cloud-init-seed', 'tcg-hotplug-maximums', 'tcg-qos-limits']) {
    it(`${name}: virsh define + undefine`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'onebox-define-'));
      const domName = `onebox-test-${process.pid}-${name}`;
      try {
        const spec = specInDir(CASES[name], dir, domName);
        const file = join(dir, 'domain.xml');
        writeFileSync(file, buildDomainXml(spec));
        const defined = run('virsh', ['-c', 'qemu:///system', 'define', file]);
        assert.equal(defined.status, 0, defined.out);
        const dumped = run('virsh', ['-c', 'qemu:///system', 'dumpxml', domName]);
        assert.equal(dumped.status, 0, dumped.out);
        // libvirt parsed the escaped values back to exactly what the spec holds.
        assert.equal(xpathOf(dumped.out, 'string(/domain/uuid)'), spec.uuid);
        assert.equal(xpathOf(dumped.out, "string(/domain/devices/disk[@device='disk']/source/@file)"), spec.disks[0].path);
        assert.equal(xpathOf(dumped.out, 'string(/domain/title)'), spec.title);
        // vCPUs and memory: the maximums as libvirt's <vcpu>/<memory>, the boot values as current.
        assert.equal(xpathOf(dumped.out, 'string(/domain/vcpu)'), String(spec.maxVcpus ?? spec.vcpus));
        assert.equal(xpathOf(dumped.out, 'string(/domain/vcpu/@current)'), spec.maxVcpus !== undefined && spec.maxVcpus > spec.vcpus ? String(spec.vcpus) : '');
        assert.equal(xpathOf(dumped.out, 'string(/domain/memory)'), String((spec.maxMemoryMiB ?? spec.memoryMiB) * 1024));
        assert.equal(xpathOf(dumped.out, 'string(/domain/currentMemory)'), String(spec.memoryMiB * 1024));
        // QoS: libvirt keeps the shares, every disk's limits and the NIC's averages.
        assert.equal(xpathOf(dumped.out, 'string(/domain/cputune/shares)'), String(spec.qos?.cpuShares ?? ''));
        assert.equal(xpathOf(dumped.out, "count(/domain/devices/disk[@device='disk']/iotune/write_bytes_sec)"), spec.qos?.disk ? String(spec.disks.length) : '0');
        assert.equal(xpathOf(dumped.out, 'string(/domain/devices/interface/bandwidth/outbound/@average)'), String(spec.qos?.net?.outKiBps ?? ''));
      } finally {
        run('virsh', ['-c', 'qemu:///system', 'undefine', domName]);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

/** Copies a golden spec with a unique name/uuid and every host path moved into `dir` (files created). */
function specInDir(spec: DomainSpec, dir: string, name: string): DomainSpec {
  const place = (path: string): string => {
    const moved = join(dir, basename(path));
    if (!existsSync(moved)) writeFileSync(moved, '');
    return moved;
  };
  return {
    ...spec,
    name,
    uuid: crypto.randomUUID(),
    disks: spec.disks.map((d) => ({ ...d, path: place(d.path) })),
    cdrom: { ...spec.cdrom, path: spec.cdrom.path === undefined ? undefined : place(spec.cdrom.path) },
    seed: spec.seed && { ...spec.seed, path: place(spec.seed.path) },
    serialLogPath: join(dir, 'serial.log'),
    // Define does not need the network or bridge to exist; keep NICs as they are.
  };
}
