/**
 * Live migration between two hosts, each a private libvirtd in its own network namespace: host A
 * is the lab's host namespace, host B a second namespace the test adds, joined by a veth pair on
 * 10.n.7.0/24 (nothing in the root namespace). Each daemon listens with TLS on its veth address
 * with a certificate onebox's CA issued, and QEMU's migration streams are TLS with the same
 * certificates. The mini guest boots on A with a local disk; it is block-migrated to B (its
 * files under a different directory there: the destination XML is rewritten) while it prints a
 * counter on its serial console: it then runs on B, is gone from A, its counter and uptime go
 * on (no reboot), progress grew. A second migration cancelled midway leaves it running on B.
 * A daemon without a certificate from the CA cannot be a destination.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LibvirtConnection } from '../../src/hypervisor/libvirt/connection.js';
import { completedDowntimeMs, destinationXmlOf, migrateLive, type MigrationProgress } from '../../src/hypervisor/libvirt/live-migration.js';
import { migrationUri, type MigrationTlsLayout, writeMigrationTls } from '../../src/hypervisor/libvirt/migration-tls.js';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { MigrationCancelledError, MigrationFailedError } from '../../src/hypervisor/errors.js';
import { run } from '../../src/lib/exec.js';
import { createCertificateAuthority, issueCertificate } from '../../src/lib/tls-ca.js';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { createLab, labRequirements, type Lab } from '../lab/netns-lab.js';
import { SerialConsole } from '../lab/serial-console.js';
import { skipUnlessPresent } from '../require-system.js';

const DOMAIN = `ob-livemig-${process.pid}`;

/** Guest files of one host: the disk, the serial console socket and its log. */
const filesIn = (dir: string) => ({ disk: join(dir, 'disk.qcow2'), socket: join(dir, 'console.sock'), log: join(dir, 'console.log') });

/** A 1-vCPU, 256 MiB TCG mini guest without NIC: only its disk and serial console matter here. */
function guestXml(dir: string): string {
  const f = filesIn(dir);
  return `<domain type='qemu'><name>${DOMAIN}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>
  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model></cpu>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/><source file='${f.disk}'/><target dev='vda' bus='virtio'/></disk>
    <serial type='unix'><source mode='bind' path='${f.socket}'/><log file='${f.log}' append='off'/><target port='0'/></serial>
  </devices></domain>`;
}

async function virtualSize(path: string): Promise<number> {
  const { stdout } = await run(['qemu-img', 'info', '-U', '--output=json', path]);
  return (JSON.parse(stdout) as { 'virtual-size': number })['virtual-size'];
}

/** The numbers of the `TICK n` lines in `text`. */
const ticks = (text: string) => [...text.matchAll(/TICK (\d+)/g)].map((m) => Number(m[1]));

describe('live migration between two hosts over TLS', { skip: skipUnlessPresent(...labRequirements()), timeout: 900_000 }, () => {
  let lab: Lab;
  let hostB = '';
  const addr = { a: '', b: '' };
  const dirs = { a: '', b: '' };
  const daemons: { a?: PrivateQemuLibvirtd; b?: PrivateQemuLibvirtd } = {};
  const conns: { a?: LibvirtConnection; b?: LibvirtConnection } = {};
  const tls: { a?: MigrationTlsLayout; b?: MigrationTlsLayout } = {};
  let miniImage = '';
  let console: SerialConsole | undefined;

  const domOn = async (c: LibvirtConnection) => (await c.call('DOMAIN_LOOKUP_BY_NAME', { name: DOMAIN })).dom;
  const isActive = async (c: LibvirtConnection) => {
    const found = (await c.call('CONNECT_LIST_ALL_DOMAINS', { need_results: 1, flags: 0 })).domains.find((d) => d.name === DOMAIN);
    if (!found) return false;
    return (await c.call('DOMAIN_IS_ACTIVE', { dom: found })).active === 1;
  };
  /** The guest's uptime in seconds (the counter's lines may interleave with the command's output). */
  const uptimeOf = async (c: SerialConsole) => {
    const lines = (await c.run('cut -d" " -f1 /proc/uptime')).output.split('\n').map((l) => l.trim());
    const line = lines.find((l) => /^\d+\.\d+$/.test(l));
    assert.ok(line, `no uptime among ${JSON.stringify(lines)}`);
    return Number(line);
  };

  before(async () => {
    miniImage = await miniImagePath(); // before any libvirt connection: building blocks the event loop
    lab = await createLab('livemig');
    hostB = await lab.addNamespace('hostb');
    [addr.a, addr.b] = [lab.address(7, 1), lab.address(7, 2)];
    await run(['ip', '-n', lab.hostNs, 'link', 'add', 'mig-a', 'type', 'veth', 'peer', 'name', 'mig-b', 'netns', hostB]);
    await run(['ip', '-n', lab.hostNs, 'addr', 'add', `${addr.a}/24`, 'dev', 'mig-a']);
    await run(['ip', '-n', hostB, 'addr', 'add', `${addr.b}/24`, 'dev', 'mig-b']);
    await run(['ip', '-n', lab.hostNs, 'link', 'set', 'mig-a', 'up']);
    await run(['ip', '-n', hostB, 'link', 'set', 'mig-b', 'up']);

    const ca = await createCertificateAuthority('onebox live-migration test');
    for (const [key, ns] of [['a', lab.hostNs], ['b', hostB]] as const) {
      const cert = await issueCertificate(ca, { commonName: `host ${key}`, altNames: [addr[key]], usage: 'both', validityDays: 1 });
      tls[key] = writeMigrationTls(join(lab.dir, `tls-${key}`), { caPem: ca.certPem, ...cert }, addr[key]);
      daemons[key] = await lab.startLibvirtdIn(ns, {
        libvirtdConf: [...tls[key].libvirtdConf, `host_uuid = "${randomUUID()}"`],
        qemuConf: tls[key].qemuConf,
        hostname: `onebox-host-${key}`,
        listen: true,
      });
      conns[key] = await LibvirtConnection.open({ socketPath: daemons[key].socketPath });
      dirs[key] = join(lab.dir, `host-${key}`);
      mkdirSync(dirs[key]);
    }
    // A's disk: a copy-on-write overlay on the mini image; B's: a blank file of the same size for block migration to fill.
    const size = await virtualSize(miniImage);
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', miniImage, filesIn(dirs.a).disk]);
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', filesIn(dirs.b).disk, String(size)]);
    await conns.a!.call('DOMAIN_CREATE_XML', { xml_desc: guestXml(dirs.a), flags: 0 });
    console = await SerialConsole.connect(filesIn(dirs.a).socket, 30_000);
    await console.waitFor(new RegExp(MINI_GUEST_READY), 180_000);
  });

  after(async () => {
    console?.close();
    for (const c of [conns.a, conns.b]) await c?.close().catch(() => undefined);
    await lab?.close();
  });

  test('a destination whose certificate onebox did not sign is refused, and the guest stays on A', async () => {
    const dom = await domOn(conns.a!);
    // B's client files exist, but A presents its own certificate to a URI whose CA file is a stranger's.
    const strangerCa = await createCertificateAuthority('stranger');
    const bogus = writeMigrationTls(join(lab.dir, 'tls-stranger'), { caPem: strangerCa.certPem, ...(await issueCertificate(strangerCa, { commonName: 'x', altNames: [addr.a], usage: 'both', validityDays: 1 })) }, addr.a);
    await assert.rejects(migrateLive(conns.a!, dom, { destinationUri: migrationUri(addr.b, bogus.pkiDir), copyDisks: ['vda'] }), (err: Error) => {
      assert.ok(err instanceof MigrationFailedError, String(err));
      assert.match(err.message, /certificate|TLS/i, 'refused by the TLS handshake');
      return true;
    });
    assert.equal(await isActive(conns.a!), true);
    assert.equal(await isActive(conns.b!), false);
  });

  test('block migration from A to B: running on B, gone from A, no reboot, growing progress', async () => {
    const dom = await domOn(conns.a!);
    // A counter every 100 ms on the serial console, in the background, across the migration.
    await console!.run('(n=0; while true; do echo "TICK $n"; n=$((n+1)); sleep 0.1; done) & sleep 0');
    await console!.waitFor(/TICK 5\b/, 30_000);
    const uptimeBefore = await uptimeOf(console!);
    const progress: MigrationProgress[] = [];
    const destinationXml = await destinationXmlOf(conns.a!, dom, dirs.a, dirs.b);
    assert.match(destinationXml, new RegExp(`${filesIn(dirs.b).disk}`));
    const result = await migrateLive(conns.a!, dom, { destinationUri: migrationUri(addr.b, tls.a!.pkiDir), copyDisks: ['vda'], destinationXml }, (p) => progress.push(p));
    const downtime = await completedDowntimeMs(conns.b!, DOMAIN);
    process.stdout.write(`# live block migration: ${result.elapsedMs} ms, downtime ${downtime ?? '?'} ms, ${progress.length} progress reports\n`);

    assert.equal(await isActive(conns.b!), true, 'the guest runs on B');
    assert.equal((await conns.a!.call('CONNECT_LIST_ALL_DOMAINS', { need_results: 1, flags: 0 })).domains.some((d) => d.name === DOMAIN), false, 'A has neither the running guest nor its definition');
    const persistent = await conns.b!.call('DOMAIN_IS_PERSISTENT', { dom: await domOn(conns.b!) });
    assert.equal(persistent.persistent, 1, 'B keeps its definition');

    assert.ok(progress.length >= 2, `progress was reported ${progress.length} times`);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].processedBytes >= progress[i - 1].processedBytes, 'progress never goes back');
    assert.ok(progress.at(-1)!.processedBytes > progress[0].processedBytes, 'progress grew');

    const before = ticks(console!.output);
    console!.close();
    console = await SerialConsole.connect(filesIn(dirs.b).socket, 30_000);
    const uptimeAfter = await uptimeOf(console);
    assert.ok(uptimeAfter > uptimeBefore, `uptime went on (${uptimeBefore} s before, ${uptimeAfter} s after): the guest did not reboot`);
    await console.waitFor(/TICK \d+/, 30_000);
    const afterTicks = ticks(readFileSync(filesIn(dirs.b).log, 'utf8'));
    assert.ok(afterTicks.length > 0 && afterTicks[0] > before.at(-1)!, `the counter continued on B (last on A ${before.at(-1)}, first on B ${afterTicks[0]})`);
    const check = await run(['qemu-img', 'check', '-U', filesIn(dirs.b).disk], { timeoutMs: 60_000 });
    assert.match(check.stdout, /No errors were found/);
  });

  test('a cancelled migration leaves the guest running where it was', async () => {
    const dom = await domOn(conns.b!);
    // Back towards A; A's disk file still exists (the copy overwrites it), so A needs no precreation.
    const controller = new AbortController();
    const progress: MigrationProgress[] = [];
    const destinationXml = await destinationXmlOf(conns.b!, dom, dirs.b, dirs.a);
    const migration = migrateLive(conns.b!, dom, { destinationUri: migrationUri(addr.a, tls.b!.pkiDir), copyDisks: ['vda'], destinationXml }, (p) => {
      progress.push(p);
      controller.abort();
    }, controller.signal);
    await assert.rejects(migration, MigrationCancelledError);
    assert.ok(progress.length >= 1, 'the job had started when it was cancelled');
    assert.equal(await isActive(conns.b!), true, 'still running on B');
    assert.equal(await isActive(conns.a!), false, 'nothing runs on A');
    const from = console!.output.length;
    await console!.waitFor(/TICK \d+/, 30_000, from);
  });
});
