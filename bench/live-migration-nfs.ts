/**
 * Benchmark: live migration of the mini TCG guest whose disk lives on an NFS export (shared
 * storage: only memory moves), between two private libvirtds in two lab namespaces
 * (test/lab/migration-hosts.ts: TLS with onebox's CA on the daemons' channel and QEMU's streams;
 * nfs-ganesha in host A's namespace, reached by both QEMUs through libnfs). onebox
 * (LibvirtDriver.migrateLive with no disk to copy: peer-to-peer, paths moved to the other host's
 * directory) against raw `virsh migrate --live --p2p --tls` (no storage copy) of an identical
 * guest, in the same run. Each round moves both guests to the other host, one after the other
 * (each TCG guest takes a core), onebox first in odd rounds and virsh first in even ones.
 * Reported per side: median total time and median downtime (the guest's pause as libvirt measured
 * it on the receiving host). The last line is the ratio onebox / virsh of the median total times.
 * Run (root): node --import tsx bench/live-migration-nfs.ts [rounds, default 4]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LibvirtDriver } from '../src/hypervisor/libvirt/driver.js';
import { DomainLifecycleEvents } from '../src/hypervisor/libvirt/domain-events.js';
import { completedDowntimeMs, destinationXmlOf } from '../src/hypervisor/libvirt/live-migration.js';
import { run } from '../src/lib/exec.js';
import { MINI_GUEST_READY, miniImagePath } from '../test/fixtures/mini-image.js';
import { startNfsServer } from '../test/lab/nfs-server.js';
import { createMigrationHosts, guestFiles, runsOn, startNfsGuest, type MigrationHost } from '../test/lab/migration-hosts.js';
import { SerialConsole } from '../test/lab/serial-console.js';

const rounds = Number(process.argv[2] ?? 4);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, not '${process.argv[2]}'`);
const progress = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const image = await miniImagePath();
const hosts = await createMigrationHosts('livenfsbench');
const nfs = await startNfsServer({ ns: hosts.a.netns, address: hosts.a.address, dir: hosts.lab.dir });
type Side = 'onebox' | 'virsh';
const names: Record<Side, string> = { onebox: 'ob-nfsbench-onebox', virsh: 'ob-nfsbench-virsh' };
const where: Record<Side, MigrationHost> = { onebox: hosts.a, virsh: hosts.a };
const results: Record<Side, { totalMs: number; downtimeMs: number }[]> = { onebox: [], virsh: [] };
try {
  const driverOn = async (host: MigrationHost) => new LibvirtDriver(host.connection, await DomainLifecycleEvents.start(host.connection), (await host.connection.call('CONNECT_GET_TYPE')).type);
  const drivers = { a: await driverOn(hosts.a), b: await driverOn(hosts.b) };
  const other = (host: MigrationHost) => (host === hosts.a ? hosts.b : hosts.a);

  for (const side of ['onebox', 'virsh'] as const) {
    progress(`booting ${names[side]} on host A, its disk on the export`);
    await startNfsGuest(hosts.a, names[side], image, { server: nfs.address, path: join(nfs.exportPath, `${names[side]}.qcow2`) });
    const serial = await SerialConsole.connect(guestFiles(hosts.a, names[side]).socket, 30_000);
    await serial.waitFor(new RegExp(MINI_GUEST_READY), 240_000);
    serial.close();
  }

  /** Moves `side`'s guest to the other host; its total time and downtime. */
  const migrate = async (side: Side) => {
    const [from, to, name] = [where[side], other(where[side]), names[side]];
    const started = Date.now();
    if (side === 'onebox') {
      await (from === hosts.a ? drivers.a : drivers.b).migrateLive(name, { destinationUri: to.uriFrom(from), copyDisks: [], movePaths: { from: from.dir, to: to.dir } });
    } else {
      const { dom } = await from.connection.call('DOMAIN_LOOKUP_BY_NAME', { name });
      const xmlFile = join(hosts.lab.dir, 'virsh-dest.xml');
      writeFileSync(xmlFile, await destinationXmlOf(from.connection, dom, from.dir, to.dir));
      await run(['virsh', '-c', from.daemon.uri, 'migrate', '--live', '--p2p', '--tls', '--persistent', '--undefinesource', '--auto-converge', '--abort-on-error', '--xml', xmlFile, name, to.uriFrom(from)], { timeoutMs: 900_000 });
    }
    const totalMs = Date.now() - started;
    if (!(await runsOn(to, name))) throw new Error(`${side}: the guest does not run on the receiving host`);
    const downtimeMs = await completedDowntimeMs(to.connection, name);
    if (downtimeMs === undefined) throw new Error(`${side}: the receiving host reports no downtime`);
    where[side] = to;
    results[side].push({ totalMs, downtimeMs });
    progress(`${side}: ${from === hosts.a ? 'A→B' : 'B→A'} in ${totalMs} ms, downtime ${downtimeMs} ms`);
  };

  for (let round = 1; round <= rounds; round++) {
    progress(`round ${round} of ${rounds}`);
    const order: Side[] = round % 2 === 1 ? ['onebox', 'virsh'] : ['virsh', 'onebox'];
    for (const side of order) await migrate(side);
  }

  const summary = (side: Side) => ({ total: median(results[side].map((r) => r.totalMs)), downtime: median(results[side].map((r) => r.downtimeMs)) });
  const [ours, raw] = [summary('onebox'), summary('virsh')];
  console.log(`live migration, disk on NFS (memory only), ${rounds} moves each, medians:`);
  console.log(`onebox migrateLive:                 ${ours.total} ms total, downtime ${ours.downtime} ms`);
  console.log(`virsh migrate --live --p2p --tls:   ${raw.total} ms total, downtime ${raw.downtime} ms`);
  console.log(`ratio onebox/virsh downtime: ${(ours.downtime / raw.downtime).toFixed(2)}`);
  console.log(`ratio onebox/virsh total time: ${(ours.total / raw.total).toFixed(2)}`);
} finally {
  await nfs.close().catch((err: unknown) => console.error(String(err)));
  await hosts.close();
}
