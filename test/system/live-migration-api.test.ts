/**
 * Live migration through the API between two onebox hosts: the controller (its own host on a
 * private libvirtd in the lab's controller namespace, --migration-address on the veth) and a
 * joined peer (its private libvirtd in the peer namespace). Each onebox writes its migration
 * certificate and the libvirtd.conf / qemu.conf lines; the test, which started both daemons,
 * puts those lines in and restarts them, as an operator would. A running mini guest with a local
 * disk then moves A→B with `live: true`: its 100 ms serial counter goes on and its uptime grows
 * (no reboot), the API shows it running on B, its disk checks clean there and nothing is left on
 * A. Before that, a migration cancelled through POST /operations/:id/actions/cancel at its
 * first progress report leaves it running on A and nothing on B.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { run } from '../../src/lib/exec.js';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { PeerOnebox } from '../lab/peer-onebox.js';
import { createTwoHostLab, labRequirements, type TwoHostLab } from '../lab/two-host-lab.js';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { BINARY, OneboxServer, waitFor, type Json } from './onebox-server.js';

/** The numbers of the `TICK n` lines in `text`. */
const ticks = (text: string) => [...text.matchAll(/TICK (\d+)/g)].map((m) => Number(m[1]));

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

describe('live migration through the API between two onebox hosts', { skip: skipUnlessPresent(bundle(), ...labRequirements()), timeout: 1_500_000 }, () => {
  let two: TwoHostLab;
  let controller: OneboxServer;
  let peer: PeerOnebox;
  let daemons: { controller: PrivateQemuLibvirtd; peer: PrivateQemuLibvirtd };
  let localHostId = '';
  let peerHostId = '';
  let inst: Json = {};
  const undo: (() => Promise<unknown>)[] = [];

  const virshOn = async (uri: string, args: string[]) => (await run(['virsh', '-c', uri, ...args]).catch((err: Error) => ({ stdout: `ERR ${err.message}` }))).stdout.trim();
  /** Runs a shell line on the guest's serial console; what it printed after `KEY=`. */
  const guest = async (key: string, command: string) => {
    const re = new RegExp(`${key}=([A-Za-z0-9_.-]*)\\r?\\n`);
    const out = await controller.serialRun(inst.id, `echo ${key}=$(${command} | tr -cd 'A-Za-z0-9_.-')`, re, 180_000);
    const m = re.exec(out);
    assert.ok(m, `the guest printed no ${key}: ${out.slice(-500)}`);
    return m[1];
  };
  const consoleTicks = async () => ticks(await (await controller.call('GET', `/instances/${inst.id}/console-log`)).text());
  const migrate = () => controller.call('POST', `/instances/${inst.id}/actions/migrate`, { json: { hostId: peerHostId, live: true } });
  const peerFiles = () => {
    const dir = join(peer.dataDir, 'instances', inst.id);
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.qcow2')) : [];
  };

  before(async () => {
    const image = await miniImagePath(); // built (or cached) before any connection opens
    two = await createTwoHostLab('livemig-api');
    undo.push(() => two.close());
    daemons = { controller: await startDaemon(two, two.controllerNs, 'onebox-ctl'), peer: await startDaemon(two, two.peerNs, 'onebox-peer') };
    undo.push(() => daemons.controller.stop(), () => daemons.peer.stop());
    controller = await two.startController(['--heartbeat-interval', '1', '--heartbeat-lost-after', '5', '--migration-address', two.controllerAddress], { socketPath: daemons.controller.socketPath, uri: daemons.controller.uri });
    undo.push(() => controller.cleanup());
    await controller.bootstrap();
    peer = new PeerOnebox(two, daemons.peer);
    undo.push(() => peer.stop('SIGKILL'));
    peerHostId = await peer.join(controller);
    await waitFor('the joined host online', 60_000, async () => (await controller.json('GET', `/hosts/${peerHostId}`)).state === 'online');
    const pool = await controller.json('GET', '/pools/default');
    assert.equal((await controller.call('PATCH', `/hosts/${peerHostId}`, { json: { poolId: pool.id } })).status, 200);
    localHostId = (await controller.json('GET', '/hosts')).items.find((h: Json) => h.isLocal).id;

    assert.match(controller.output, /live migration: this host's libvirtd must listen with TLS/, 'serve logs the lines');
    assert.match(peer.output, /live migration: this host's libvirtd must listen with TLS/, 'the agent logs the lines');
    await configureMigrationTls(daemons.controller, controller.dataDir);
    await configureMigrationTls(daemons.peer, peer.dataDir);
    // Exits 1 when a required check fails elsewhere (packages, disk space): only this line matters here.
    const doctor = spawnSync('ip', ['netns', 'exec', two.peerNs, BINARY, 'doctor', '--data-dir', peer.dataDir, '--libvirt-socket', daemons.peer.socketPath], { encoding: 'utf8', timeout: 60_000 });
    assert.match(doctor.stdout, new RegExp(`✓ live migration \\(libvirtd TLS\\): libvirtd at ${two.peerAddress.replace(/\./g, '\\.')}:16514 accepts onebox's migration certificate`), doctor.stdout);
    await waitFor('both hosts online after the libvirtd restarts', 60_000, async () => (await controller.json('GET', '/hosts')).items.every((h: Json) => h.state === 'online'));

    const imageId = (await controller.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(image)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } })).id;
    const res = await controller.call('POST', '/instances', { json: { name: 'livemover', cores: 1, memoryMiB: 256, disk: { source: 'image', imageId }, nics: [], hostId: localHostId, start: true } });
    assert.equal(res.status, 202, await res.clone().text());
    inst = ((await res.clone().json()) as Json).instance;
    assert.equal((await controller.waitOperation(res, 300_000)).state, 'succeeded');
    await controller.waitConsole(inst.id, MINI_GUEST_READY, 1, 600_000); // TCG on a loaded machine
    // A counter every 100 ms on the serial console, in the background, across the migrations.
    await controller.serialRun(inst.id, '(n=0; while true; do echo "TICK $n"; n=$((n+1)); sleep 0.1; done) & sleep 0', /TICK 3\b/, 120_000);
  }, { timeout: 1_200_000 });

  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(controller?.output, '\n--- peer ---\n', peer?.output);
    if (inst.domainName) for (const d of [daemons?.controller, daemons?.peer]) if (d) await virshOn(d.uri, ['destroy', inst.domainName]);
    for (const step of undo.reverse()) await step().catch((err: unknown) => console.error(String(err)));
  });

  test('a live migration cancelled at its first progress report: the guest runs on A, nothing is left on B', async () => {
    const res = await migrate();
    assert.equal(res.status, 202, await res.clone().text());
    const started = ((await res.clone().json()) as Json).operation;
    assert.equal(started.cancellable, true);
    let op: Json = started;
    await waitFor('the first progress report', 300_000, async () => {
      op = await controller.json('GET', `/operations/${started.id}`);
      assert.equal(op.state, 'running', JSON.stringify(op));
      return op.progress > 0;
    }, 50);
    const cancel = await controller.call('POST', `/operations/${started.id}/actions/cancel`);
    assert.equal(cancel.status, 202, await cancel.clone().text());
    const done = await controller.waitOperation(res, 120_000);
    assert.equal(done.state, 'failed');
    assert.equal(done.errorCode, 'live_migration_cancelled', JSON.stringify(done));
    const again = await controller.call('POST', `/operations/${started.id}/actions/cancel`);
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as Json).code, 'operation_not_cancellable');

    const still = await controller.waitState(inst.id, 'running', 60_000);
    assert.equal(still.hostId, localHostId);
    assert.equal(await virshOn(daemons.controller.uri, ['domstate', inst.domainName]), 'running');
    assert.match(await virshOn(daemons.peer.uri, ['domstate', inst.domainName]), /^ERR/, 'the peer knows no such domain');
    assert.deepEqual(peerFiles(), [], 'no disk file left on the peer');
    const last = Math.max(...(await consoleTicks()));
    await waitFor('the counter going on', 60_000, async () => Math.max(...(await consoleTicks())) > last + 5);
  });

  test('a running guest with a local disk moves A→B live: the counter goes on, no reboot, running on B, clean disk there, nothing on A', async () => {
    const uptimeBefore = Number(await guest('UP', 'cut -d" " -f1 /proc/uptime'));
    const lastOnA = Math.max(...(await consoleTicks()));
    const t0 = Date.now();
    const res = await migrate();
    assert.equal(res.status, 202, await res.clone().text());
    const op = await controller.waitOperation(res, 600_000);
    const elapsed = Date.now() - t0;
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.equal(op.cancellable, false);

    const moved = await controller.json('GET', `/instances/${inst.id}`);
    assert.equal(moved.hostId, peerHostId);
    assert.equal(moved.state, 'running');
    assert.equal(await virshOn(daemons.peer.uri, ['domstate', inst.domainName]), 'running');
    const jobinfo = await virshOn(daemons.peer.uri, ['domjobinfo', inst.domainName, '--completed']);
    const downtime = /Total downtime:\s+(\d+)\s+ms/.exec(jobinfo)?.[1];
    process.stdout.write(`# live migration through the API: ${elapsed} ms until the operation succeeded, downtime ${downtime ?? `? (${jobinfo.replace(/\s+/g, ' ')})`} ms\n`);

    assert.match(await virshOn(daemons.controller.uri, ['domstate', inst.domainName]), /^ERR/, 'A knows no such domain');
    assert.ok(!existsSync(join(controller.dataDir, 'instances', inst.id)), 'no files left on A');
    assert.deepEqual(peerFiles(), ['system.qcow2']);
    const check = await run(['qemu-img', 'check', '-U', join(peer.dataDir, 'instances', inst.id, 'system.qcow2')], { timeoutMs: 120_000 });
    assert.match(check.stdout, /No errors were found/);

    await waitFor('ticks on B', 60_000, async () => (await consoleTicks()).length > 0);
    const onB = await consoleTicks();
    assert.ok(onB[0] > lastOnA, `the counter continued on B (last seen on A ${lastOnA}, first on B ${onB[0]})`);
    const uptimeAfter = Number(await guest('UP', 'cut -d" " -f1 /proc/uptime'));
    assert.ok(uptimeAfter > uptimeBefore, `uptime went on (${uptimeBefore} s before, ${uptimeAfter} s after): no reboot`);
  });
});
