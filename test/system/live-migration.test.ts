/**
 * Live migration between two hosts, each a private libvirtd in its own network namespace: host A
 * is the lab's host namespace, host B a second namespace the test adds, joined by a veth pair on
 * 10.n.7.0/24 (nothing in the root namespace). Each daemon listens with TLS on its veth address
 * with a certificate onebox's CA issued, and QEMU's migration streams are TLS with the same
 * certificates. The mini guest boots on A with a local disk; it is block-migrated to B (its
 * files under a different directory there: the destination XML is rewritten) while it prints a
 * counter on its serial console: it then runs on B, is gone from A, its counter and uptime go
 * on (no reboot), progress grew. A second migration cancelled midway leaves it running on B.
 * A daemon without a certificate from the CA cannot be a destination. QEMU runs as libvirt-qemu,
 * as on a stock Debian host, so the migration proves QEMU reads the key files onebox writes for
 * its group; libvirtd takes connections from host certificates only, not from every certificate
 * the CA signed.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import { CONTROLLER_CERT_NAME } from '../../src/cli/peer-hosts.js';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MigrationCancelledError, MigrationFailedError } from '../../src/hypervisor/errors.js';
import type { LibvirtConnection } from '../../src/hypervisor/libvirt/connection.js';
import { completedDowntimeMs, destinationXmlOf, migrateLive, type MigrationProgress } from '../../src/hypervisor/libvirt/live-migration.js';
import { migrationUri, writeMigrationTls } from '../../src/hypervisor/libvirt/migration-tls.js';
import { run } from '../../src/lib/exec.js';
import { createCertificateAuthority, issueCertificate } from '../../src/lib/tls-ca.js';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { labRequirements } from '../lab/netns-lab.js';
import { createMigrationHosts, guestFiles, knows, type MigrationHosts, runsOn, startGuest } from '../lab/migration-hosts.js';
import { SerialConsole } from '../lab/serial-console.js';
import { skipUnlessPresent } from '../require-system.js';

const DOMAIN = `ob-livemig-${process.pid}`;
const QEMU_USER = 'libvirt-qemu';

/** The numbers of the `TICK n` lines in `text`. */
const ticks = (text: string) => [...text.matchAll(/TICK (\d+)/g)].map((m) => Number(m[1]));

describe('live migration between two hosts over TLS', { skip: skipUnlessPresent(...labRequirements()), timeout: 900_000 }, () => {
  let hosts: MigrationHosts;
  let console: SerialConsole | undefined;

  const domOn = async (c: LibvirtConnection) => (await c.call('DOMAIN_LOOKUP_BY_NAME', { name: DOMAIN })).dom;
  /** The guest's uptime in seconds (the counter's lines may interleave with the command's output). */
  const uptimeOf = async (c: SerialConsole) => {
    const lines = (await c.run('cut -d" " -f1 /proc/uptime')).output.split('\n').map((l) => l.trim());
    const line = lines.find((l) => /^\d+\.\d+$/.test(l));
    assert.ok(line, `no uptime among ${JSON.stringify(lines)}`);
    return Number(line);
  };

  before(async () => {
    const miniImage = await miniImagePath(); // before any libvirt connection: building blocks the event loop
    hosts = await createMigrationHosts('livemig', { qemuUser: QEMU_USER });
    // The image cache may be a directory only root enters (CI's is a fresh `mktemp -d`): QEMU, not root here,
    // reads its backing file from a copy in the lab's directory, which it may pass through.
    const image = join(hosts.lab.dir, 'mini.qcow2');
    copyFileSync(miniImage, image);
    chmodSync(image, 0o644);
    await startGuest(hosts.a, hosts.b, DOMAIN, image);
    console = await SerialConsole.connect(guestFiles(hosts.a, DOMAIN).socket, 30_000);
    await console.waitFor(new RegExp(MINI_GUEST_READY), 180_000);
  });

  after(async () => {
    console?.close();
    await hosts?.close();
  });

  test(`QEMU runs as ${QEMU_USER}, which can read its migration key; other users cannot`, async () => {
    const pid = readFileSync(join(hosts.a.daemon.dir, 'run', 'qemu', `${DOMAIN}.pid`), 'utf8').trim();
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    assert.equal(uid, (await run(['id', '-u', QEMU_USER])).stdout.trim(), 'the guest\'s QEMU is not root');
    const key = join(hosts.a.tls.qemuDir, 'server-key.pem');
    assert.equal((await run(['runuser', '-u', QEMU_USER, '--', 'cat', key])).stdout, readFileSync(key, 'utf8'));
    await assert.rejects(run(['runuser', '-u', 'nobody', '--', 'cat', key]), /Permission denied/);
  });

  test('libvirtd refuses a certificate of onebox\'s CA that is not a host\'s (the controller\'s), and takes a host\'s', async () => {
    const virshToB = (pkiDir: string) => run(['ip', 'netns', 'exec', hosts.a.netns, 'virsh', '-c', migrationUri(hosts.b.address, pkiDir), 'hostname'], { timeoutMs: 60_000 });
    // Usage both and A's address, like a host's: only its subject differs.
    const controllerCert = await issueCertificate(hosts.ca, { commonName: CONTROLLER_CERT_NAME, altNames: [hosts.a.address], usage: 'both', validityDays: 1 });
    const controller = writeMigrationTls(join(hosts.lab.dir, 'tls-controller'), { caPem: hosts.ca.certPem, ...controllerCert }, hosts.a.address);
    // libvirtd checks the client's subject after the handshake and hangs up before its one-byte confirmation.
    await assert.rejects(virshToB(controller.pkiDir), /failed to connect to the hypervisor[\s\S]*Unable to read TLS confirmation/);
    assert.equal((await virshToB(hosts.a.tls.pkiDir)).stdout.trim(), 'onebox-host-b');
  });

  test('a destination whose certificate onebox did not sign is refused, and the guest stays on A', async () => {
    const dom = await domOn(hosts.a.connection);
    // B's client files exist, but A presents its own certificate to a URI whose CA file is a stranger's.
    const strangerCa = await createCertificateAuthority('stranger');
    const bogus = writeMigrationTls(join(hosts.lab.dir, 'tls-stranger'), { caPem: strangerCa.certPem, ...(await issueCertificate(strangerCa, { commonName: 'x', altNames: [hosts.a.address], usage: 'both', validityDays: 1 })) }, hosts.a.address);
    await assert.rejects(migrateLive(hosts.a.connection, dom, { destinationUri: migrationUri(hosts.b.address, bogus.pkiDir), copyDisks: ['vda'] }), (err: Error) => {
      assert.ok(err instanceof MigrationFailedError, String(err));
      assert.match(err.message, /certificate|TLS/i, 'refused by the TLS handshake');
      return true;
    });
    assert.equal(await runsOn(hosts.a, DOMAIN), true);
    assert.equal(await runsOn(hosts.b, DOMAIN), false);
  });

  test('block migration from A to B: running on B, gone from A, no reboot, growing progress', async () => {
    const dom = await domOn(hosts.a.connection);
    // A counter every 100 ms on the serial console, in the background, across the migration.
    await console!.run('(n=0; while true; do echo "TICK $n"; n=$((n+1)); sleep 0.1; done) & sleep 0');
    await console!.waitFor(/TICK 5\b/, 30_000);
    const uptimeBefore = await uptimeOf(console!);
    const progress: MigrationProgress[] = [];
    const destinationXml = await destinationXmlOf(hosts.a.connection, dom, hosts.a.dir, hosts.b.dir);
    assert.match(destinationXml, new RegExp(`${guestFiles(hosts.b, DOMAIN).disk}`));
    const result = await migrateLive(hosts.a.connection, dom, { destinationUri: hosts.b.uriFrom(hosts.a), copyDisks: ['vda'], destinationXml }, (p) => progress.push(p));
    const downtime = await completedDowntimeMs(hosts.b.connection, DOMAIN);
    process.stdout.write(`# live block migration: ${result.elapsedMs} ms, downtime ${downtime ?? '?'} ms, ${progress.length} progress reports\n`);

    assert.equal(await runsOn(hosts.b, DOMAIN), true, 'the guest runs on B');
    assert.equal(await knows(hosts.a, DOMAIN), false, 'A has neither the running guest nor its definition');
    const persistent = await hosts.b.connection.call('DOMAIN_IS_PERSISTENT', { dom: await domOn(hosts.b.connection) });
    assert.equal(persistent.persistent, 1, 'B keeps its definition');

    assert.ok(progress.length >= 2, `progress was reported ${progress.length} times`);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].processedBytes >= progress[i - 1].processedBytes, 'progress never goes back');
    assert.ok(progress.at(-1)!.processedBytes > progress[0].processedBytes, 'progress grew');

    const before = ticks(console!.output);
    console!.close();
    console = await SerialConsole.connect(guestFiles(hosts.b, DOMAIN).socket, 30_000);
    const uptimeAfter = await uptimeOf(console);
    assert.ok(uptimeAfter > uptimeBefore, `uptime went on (${uptimeBefore} s before, ${uptimeAfter} s after): the guest did not reboot`);
    await console.waitFor(/TICK \d+/, 30_000);
    const afterTicks = ticks(readFileSync(guestFiles(hosts.b, DOMAIN).log, 'utf8'));
    assert.ok(afterTicks.length > 0 && afterTicks[0] > before.at(-1)!, `the counter continued on B (last on A ${before.at(-1)}, first on B ${afterTicks[0]})`);
    const check = await run(['qemu-img', 'check', '-U', guestFiles(hosts.b, DOMAIN).disk], { timeoutMs: 60_000 });
    assert.match(check.stdout, /No errors were found/);
  });

  test('a cancelled migration leaves the guest running where it was', async () => {
    const dom = await domOn(hosts.b.connection);
    // Back towards A; A's disk file still exists (the copy overwrites it), so A needs no precreation.
    const controller = new AbortController();
    const progress: MigrationProgress[] = [];
    const destinationXml = await destinationXmlOf(hosts.b.connection, dom, hosts.b.dir, hosts.a.dir);
    const migration = migrateLive(hosts.b.connection, dom, { destinationUri: hosts.a.uriFrom(hosts.b), copyDisks: ['vda'], destinationXml }, (p) => {
      progress.push(p);
      controller.abort();
    }, controller.signal);
    await assert.rejects(migration, MigrationCancelledError);
    assert.ok(progress.length >= 1, 'the job had started when it was cancelled');
    assert.equal(await runsOn(hosts.b, DOMAIN), true, 'still running on B');
    assert.equal(await runsOn(hosts.a, DOMAIN), false, 'nothing runs on A');
    const from = console!.output.length;
    await console!.waitFor(/TICK \d+/, 30_000, from);
  });
});
