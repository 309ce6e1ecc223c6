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
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { run } from '../../src/lib/exec.js';
import { miniImagePath } from '../fixtures/mini-image.js';
import { startCountingGuest, startLiveMigrationCluster } from '../lab/live-migration-cluster.js';
import type { PeerOnebox } from '../lab/peer-onebox.js';
import { labRequirements, type TwoHostLab } from '../lab/two-host-lab.js';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { BINARY, OneboxServer, waitFor, type Json } from './onebox-server.js';

/** The numbers of the `TICK n` lines in `text`. */
const ticks = (text: string) => [...text.matchAll(/TICK (\d+)/g)].map((m) => Number(m[1]));

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
    const cluster = await startLiveMigrationCluster('livemig-api', undo);
    ({ two, controller, peer, daemons, localHostId, peerHostId } = cluster);
    assert.match(controller.output, /live migration: this host's libvirtd must listen with TLS/, 'serve logs the lines');
    assert.match(peer.output, /live migration: this host's libvirtd must listen with TLS/, 'the agent logs the lines');
    // Exits 1 when a required check fails elsewhere (packages, disk space): only this line matters here.
    const doctor = spawnSync('ip', ['netns', 'exec', two.peerNs, BINARY, 'doctor', '--data-dir', peer.dataDir, '--libvirt-socket', daemons.peer.socketPath], { encoding: 'utf8', timeout: 60_000 });
    assert.match(doctor.stdout, new RegExp(`✓ live migration \\(libvirtd TLS\\): libvirtd at ${two.peerAddress.replace(/\./g, '\\.')}:16514 accepts onebox's migration certificate`), doctor.stdout);

    inst = await startCountingGuest(cluster, image, 'livemover');
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
