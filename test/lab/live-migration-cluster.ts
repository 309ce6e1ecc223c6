/**
 * Two onebox hosts ready for live migration through the API, for system tests: in a two-host lab
 * (two-host-lab.ts) the controller (its own host on a private libvirtd in the controller's
 * namespace, --migration-address on the veth) and a joined peer (its private libvirtd in the
 * peer's namespace), both in the `default` pool. Each onebox writes its migration certificate and
 * the libvirtd.conf / qemu.conf lines under <data-dir>/migration-tls/; this helper, which started
 * both daemons, puts those lines in and restarts them, as an operator would. With `nfs`, an
 * nfs-ganesha export in the controller's namespace (nfs-server.ts) becomes the storage pool
 * `share` of the `default` pool, reached by both hosts through QEMU's NFS driver.
 *
 *   const undo: (() => Promise<unknown>)[] = [];
 *   const cluster = await startLiveMigrationCluster('livemig', undo, { nfs: true });
 *   // after(): for (const step of undo.reverse()) await step();
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { MINI_GUEST_READY } from '../fixtures/mini-image.js';
import { type Json, type OneboxServer, waitFor } from '../system/onebox-server.js';
import { startNfsServer, type NfsServer } from './nfs-server.js';
import { PeerOnebox } from './peer-onebox.js';
import { createTwoHostLab, type TwoHostLab } from './two-host-lab.js';

/** The two hosts, their daemons and their ids in the controller's API. */
export interface LiveMigrationCluster {
  two: TwoHostLab;
  controller: OneboxServer;
  peer: PeerOnebox;
  daemons: { controller: PrivateQemuLibvirtd; peer: PrivateQemuLibvirtd };
  localHostId: string;
  peerHostId: string;
  /** The export behind the storage pool `share` (with `nfs` only). */
  nfs?: NfsServer;
}

/** A private libvirtd that may listen (TLS off until onebox's lines come), with its own host name and UUID: libvirt refuses to migrate between twins. */
const startDaemon = (two: TwoHostLab, ns: string, hostname: string) =>
  two.lab.startLibvirtdIn(ns, { listen: true, hostname, libvirtdConf: ['listen_tls = 0', 'listen_tcp = 0', `host_uuid = "${randomUUID()}"`] });

/** What the operator does with the lines onebox logged: into the daemon's libvirtd.conf and qemu.conf, then a restart. */
async function configureMigrationTls(daemon: PrivateQemuLibvirtd, dataDir: string): Promise<void> {
  const lines = (file: string) => readFileSync(join(dataDir, 'migration-tls', file), 'utf8');
  const conf = join(daemon.dir, 'etc', 'libvirtd.conf');
  const kept = readFileSync(conf, 'utf8').split('\n').filter((l) => l.startsWith('host_uuid'));
  writeFileSync(conf, [...kept, lines('libvirtd.conf.lines')].join('\n'));
  writeFileSync(join(daemon.dir, 'etc', 'qemu.conf'), readFileSync(join(daemon.dir, 'etc', 'qemu.conf'), 'utf8') + lines('qemu.conf.lines'));
  await daemon.kill();
  await daemon.restart();
}

/**
 * Builds the cluster in lab `name`; each step's undo goes onto `undo` as soon as it is made, so the
 * caller's after() cleans up whatever a failed setup left. Resolves once both hosts are online
 * again after the daemons' restart (and, with `nfs`, the pool stores on the export).
 */
export async function startLiveMigrationCluster(name: string, undo: (() => Promise<unknown>)[], options: { nfs?: boolean } = {}): Promise<LiveMigrationCluster> {
  const two = await createTwoHostLab(name);
  undo.push(() => two.close());
  let nfs: NfsServer | undefined;
  if (options.nfs) {
    const server = await startNfsServer({ ns: two.controllerNs, address: two.controllerAddress, dir: two.lab.dir });
    undo.push(() => server.close());
    nfs = server;
  }
  const daemons = { controller: await startDaemon(two, two.controllerNs, 'onebox-ctl'), peer: await startDaemon(two, two.peerNs, 'onebox-peer') };
  undo.push(() => daemons.controller.stop(), () => daemons.peer.stop());
  const nfsArgs = nfs ? ['--nfs-mode', 'qemu'] : []; // this kernel has no NFS client
  const controller = await two.startController(['--heartbeat-interval', '1', '--heartbeat-lost-after', '5', '--migration-address', two.controllerAddress, ...nfsArgs], { socketPath: daemons.controller.socketPath, uri: daemons.controller.uri });
  undo.push(() => controller.cleanup());
  await controller.bootstrap();
  const peer = new PeerOnebox(two, daemons.peer);
  undo.push(() => peer.stop('SIGKILL'));
  const peerHostId = await peer.join(controller);
  await waitFor('the joined host online', 60_000, async () => (await controller.json('GET', `/hosts/${peerHostId}`)).state === 'online');
  const pool = await controller.json('GET', '/pools/default');
  const moved = await controller.call('PATCH', `/hosts/${peerHostId}`, { json: { poolId: pool.id } });
  if (moved.status !== 200) throw new Error(`adding the peer to the default pool: ${moved.status} ${await moved.text()}`);
  const localHostId = (await controller.json('GET', '/hosts')).items.find((h: Json) => h.isLocal).id;

  await configureMigrationTls(daemons.controller, controller.dataDir);
  await configureMigrationTls(daemons.peer, peer.dataDir);
  await waitFor('both hosts online after the libvirtd restarts', 60_000, async () => (await controller.json('GET', '/hosts')).items.every((h: Json) => h.state === 'online'));
  if (nfs) await attachShare(controller, nfs);
  return { two, controller, peer, daemons, localHostId, peerHostId, nfs };
}

/** Creates the NFS storage pool `share` on the export and makes it the `default` pool's storage. */
async function attachShare(controller: OneboxServer, nfs: NfsServer): Promise<void> {
  const share = await controller.call('POST', '/storage-pools', { json: { name: 'share', kind: 'nfs', server: nfs.address, exportPath: nfs.exportPath } });
  if (share.status !== 201) throw new Error(`creating the NFS storage pool: ${share.status} ${await share.text()}`);
  const attached = await controller.call('PUT', '/pools/default/storage-pool', { json: { storagePool: 'share' } });
  if (attached.status !== 200) throw new Error(`attaching the NFS storage pool: ${attached.status} ${await attached.text()}`);
}

/**
 * Uploads the mini image at `imagePath`, creates instance `name` from it on the controller's own
 * host and starts it, waits for its shell, then starts a counter on its serial console: a
 * `TICK n` line every 100 ms, in the background, for as long as the guest runs (across migrations).
 * Returns the instance as the create call answered it.
 */
export async function startCountingGuest(cluster: LiveMigrationCluster, imagePath: string, name: string): Promise<Json> {
  const { controller } = cluster;
  const imageId = (await controller.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } })).id;
  const res = await controller.call('POST', '/instances', { json: { name, cores: 1, memoryMiB: 256, disk: { source: 'image', imageId }, nics: [], hostId: cluster.localHostId, start: true } });
  if (res.status !== 202) throw new Error(`creating instance '${name}': ${res.status} ${await res.text()}`);
  const inst = ((await res.clone().json()) as Json).instance as Json;
  const op = await controller.waitOperation(res, 300_000);
  if (op.state !== 'succeeded') throw new Error(`creating instance '${name}' failed: ${JSON.stringify(op)}`);
  await controller.waitConsole(inst.id, MINI_GUEST_READY, 1, 600_000); // TCG on a loaded machine
  await controller.serialRun(inst.id, '(n=0; while true; do echo "TICK $n"; n=$((n+1)); sleep 0.1; done) & sleep 0', /TICK 3\b/, 120_000);
  return inst;
}
