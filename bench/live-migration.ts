/**
 * Benchmark: live block migration of the mini TCG guest between two private libvirtds in two lab
 * namespaces (test/lab/migration-hosts.ts: TLS with onebox's CA on both the daemons' channel and
 * QEMU's streams), by onebox (LibvirtDriver.migrateLive: peer-to-peer, paths moved to B's
 * directory) against raw `virsh migrate --live --p2p --tls --copy-storage-all` of an identical
 * guest, in the same run, one after the other (each TCG guest takes a core). Reported: total
 * time, and the guest's pause as libvirt measured it (completed-job downtime on B).
 * The last line is the ratio onebox / virsh of the total times.
 * Run (root): node --import tsx bench/live-migration.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { completedDowntimeMs, destinationXmlOf } from '../src/hypervisor/libvirt/live-migration.js';
import { LibvirtDriver } from '../src/hypervisor/libvirt/driver.js';
import { DomainLifecycleEvents } from '../src/hypervisor/libvirt/domain-events.js';
import { run } from '../src/lib/exec.js';
import { MINI_GUEST_READY, miniImagePath } from '../test/fixtures/mini-image.js';
import { createMigrationHosts, guestFiles, runsOn, startGuest } from '../test/lab/migration-hosts.js';
import { SerialConsole } from '../test/lab/serial-console.js';

const image = await miniImagePath();
const hosts = await createMigrationHosts('livebench');
const [ours, raw] = ['ob-bench-onebox', 'ob-bench-virsh'];
try {
  const bootGuest = async (name: string) => {
    await startGuest(hosts.a, hosts.b, name, image);
    const console = await SerialConsole.connect(guestFiles(hosts.a, name).socket, 30_000);
    await console.waitFor(new RegExp(MINI_GUEST_READY), 240_000);
    console.close();
  };
  const { type } = await hosts.a.connection.call('CONNECT_GET_TYPE');
  const driver = new LibvirtDriver(hosts.a.connection, await DomainLifecycleEvents.start(hosts.a.connection), type);

  await bootGuest(ours);
  let started = Date.now();
  let reports = 0;
  await driver.migrateLive(ours, { destinationUri: hosts.b.uriFrom(hosts.a), copyDisks: ['vda'], movePaths: { from: hosts.a.dir, to: hosts.b.dir } }, () => reports++);
  const oursMs = Date.now() - started;
  const oursDowntime = await completedDowntimeMs(hosts.b.connection, ours);
  if (!(await runsOn(hosts.b, ours))) throw new Error('onebox: the guest does not run on B');

  await bootGuest(raw);
  const { dom } = await hosts.a.connection.call('DOMAIN_LOOKUP_BY_NAME', { name: raw });
  const xmlFile = join(hosts.lab.dir, 'virsh-dest.xml');
  writeFileSync(xmlFile, await destinationXmlOf(hosts.a.connection, dom, hosts.a.dir, hosts.b.dir));
  started = Date.now();
  await run(
    ['virsh', '-c', hosts.a.daemon.uri, 'migrate', '--live', '--p2p', '--tls', '--copy-storage-all', '--migrate-disks', 'vda', '--persistent', '--undefinesource', '--auto-converge', '--abort-on-error', '--xml', xmlFile, raw, hosts.b.uriFrom(hosts.a)],
    { timeoutMs: 900_000 },
  );
  const rawMs = Date.now() - started;
  const rawDowntime = await completedDowntimeMs(hosts.b.connection, raw);
  if (!(await runsOn(hosts.b, raw))) throw new Error('virsh: the guest does not run on B');

  console.log(`onebox live block migration: ${oursMs} ms total, downtime ${oursDowntime ?? '?'} ms, ${reports} progress reports`);
  console.log(`virsh migrate --live --p2p:   ${rawMs} ms total, downtime ${rawDowntime ?? '?'} ms`);
  console.log(`ratio onebox/virsh total time: ${(oursMs / rawMs).toFixed(2)}`);
} finally {
  await hosts.close();
}
