/**
 * Live migration through the API on an NFS storage pool (issue 10): only memory moves, the target
 * opens the same disk files on the export. The two hosts of test/lab/live-migration-cluster.ts
 * (controller + joined peer, private libvirtds with onebox's migration TLS) share nfs-ganesha's
 * export in the controller's namespace through QEMU's NFS driver (this kernel has no NFS client).
 * A running mini guest prints a counter every 100 ms on its serial console; it moves A→B with
 * `live: true`. The test reads both hosts' console logs as they grow and checks that the counter
 * runs on without a missing number and that its longest pause at the switch stays within
 * libvirt's measured downtime (plus the counter's period and polling slack); that no disk was
 * copied (same file on the export, nothing in B's data directory, the operation says so); that
 * the API shows the guest running on B; that its disk checks clean; and that nothing is left on A.
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../../src/lib/exec.js';
import { miniImagePath } from '../fixtures/mini-image.js';
import { startCountingGuest, startLiveMigrationCluster, type LiveMigrationCluster } from '../lab/live-migration-cluster.js';
import { nfsRequirements } from '../lab/nfs-server.js';
import { labRequirements } from '../lab/two-host-lab.js';
import { bundle, privateLibvirtd, skipUnlessPresent } from '../require-system.js';
import { virshXml, waitFor, type Json } from './onebox-server.js';

/** How often the test reads the console logs while the guest moves. */
const POLL_MS = 50;
/** What may separate the counter's last tick on A from its first on B beyond libvirt's downtime: its 100 ms period, two polls, virtlogd's pipe, a loaded machine. */
const SWITCH_SLACK_MS = 1500;

/** The whole of a file read through `fd` (which keeps an unlinked file readable). */
function readWhole(fd: number): string {
  const buf = Buffer.alloc(fstatSync(fd).size);
  const n = readSync(fd, buf, 0, buf.length, 0);
  return buf.subarray(0, n).toString('utf8');
}

/** Watches the counter in A's and B's console logs: when each number was first seen, on which host. */
class TickWatch {
  readonly seen = new Map<number, { at: number; host: 'A' | 'B' }>();
  private textA = '';
  private textB = '';
  private readonly timer: NodeJS.Timeout;
  private fdB: number | undefined;

  constructor(private readonly fdA: number, private readonly logB: string) {
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  /** Every counter number in A's log followed by B's (a line cut at the switch joins up again). */
  numbers(): number[] {
    return [...(this.textA + this.textB).matchAll(/TICK (\d+)\r?\n/g)].map((m) => Number(m[1]));
  }

  stop(): void {
    clearInterval(this.timer);
    this.poll();
    closeSync(this.fdA);
    if (this.fdB !== undefined) closeSync(this.fdB);
  }

  private poll(): void {
    const now = Date.now();
    this.textA = readWhole(this.fdA);
    if (this.fdB === undefined && existsSync(this.logB)) this.fdB = openSync(this.logB, 'r');
    if (this.fdB !== undefined) this.textB = readWhole(this.fdB);
    for (const [host, text] of [['A', this.textA], ['B', this.textB]] as const) {
      for (const m of text.matchAll(/TICK (\d+)\r?\n/g)) if (!this.seen.has(Number(m[1]))) this.seen.set(Number(m[1]), { at: now, host });
    }
  }
}

describe('live migration through the API on an NFS storage pool', { skip: skipUnlessPresent(bundle(), ...labRequirements(), privateLibvirtd(), ...nfsRequirements()), timeout: 1_500_000 }, () => {
  let cluster: LiveMigrationCluster;
  let inst: Json = {};
  const undo: (() => Promise<unknown>)[] = [];
  const virshOn = async (uri: string, args: string[]) => (await run(['virsh', '-c', uri, ...args]).catch((err: Error) => ({ stdout: `ERR ${err.message}` }))).stdout.trim();

  before(async () => {
    const image = await miniImagePath(); // built (or cached) before any connection opens
    cluster = await startLiveMigrationCluster('livemig-nfs', undo, { nfs: true });
    inst = await startCountingGuest(cluster, image, 'nfsmover');
  }, { timeout: 1_200_000 });

  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(cluster?.controller.output, '\n--- peer ---\n', cluster?.peer.output);
    if (inst.domainName) for (const d of [cluster?.daemons.controller, cluster?.daemons.peer]) if (d) await virshOn(d.uri, ['destroy', inst.domainName]);
    for (const step of undo.reverse()) await step().catch((err: unknown) => console.error(String(err)));
  });

  test('a running guest on the export moves A→B live: no disk copied, the counter runs on through a short pause, running on B, clean disk, nothing on A', async () => {
    const { controller, peer, daemons, nfs, peerHostId } = cluster;
    assert.ok(nfs);
    const disk = join(nfs.exportPath, inst.id, 'system.qcow2');
    const diskSource = new RegExp(`<source protocol='nfs' name='${nfs.exportPath}/${inst.id}/system.qcow2'`);
    assert.match(virshXml(inst.domainName, daemons.controller.uri), diskSource, "A's domain opens the export's file through QEMU's NFS driver");
    const inode = statSync(disk).ino;
    const logA = join(controller.dataDir, 'instances', inst.id, 'serial.log');
    const logB = join(peer.dataDir, 'instances', inst.id, 'serial.log');
    const watch = new TickWatch(openSync(logA, 'r'), logB);

    const t0 = Date.now();
    const res = await controller.call('POST', `/instances/${inst.id}/actions/migrate`, { json: { hostId: peerHostId, live: true } });
    assert.equal(res.status, 202, await res.clone().text());
    let elapsed = 0;
    try {
      const op = await controller.waitOperation(res, 600_000);
      elapsed = Date.now() - t0;
      assert.equal(op.state, 'succeeded', JSON.stringify(op));
      assert.equal(op.message, 'Moved while running; its disks on shared storage stayed in place, only its memory was sent.');
      await waitFor('ticks on B', 60_000, async () => [...watch.seen.values()].filter((s) => s.host === 'B').length >= 5, POLL_MS);
    } finally {
      watch.stop();
    }

    const moved = await controller.json('GET', `/instances/${inst.id}`);
    assert.equal(moved.hostId, peerHostId);
    assert.equal(moved.state, 'running');
    assert.equal(await virshOn(daemons.peer.uri, ['domstate', inst.domainName]), 'running');
    assert.match(virshXml(inst.domainName, daemons.peer.uri), diskSource, "B's domain opens the same file on the export");
    assert.equal(statSync(disk).ino, inode, 'the same disk file, not a copy');
    const onB = existsSync(join(peer.dataDir, 'instances', inst.id)) ? readdirSync(join(peer.dataDir, 'instances', inst.id)) : [];
    assert.deepEqual(onB.filter((f) => f !== 'serial.log'), [], 'no disk in B\'s data directory: nothing was block-copied');

    // The counter: no missing number from A's log into B's, and the pause at the switch within the downtime libvirt measured.
    const numbers = watch.numbers();
    const holes = numbers.slice(1).filter((n, i) => n !== numbers[i] + 1);
    assert.deepEqual(holes, [], `the counter runs on without a missing number (${numbers[0]}…${numbers.at(-1)})`);
    const seen = [...watch.seen.entries()].sort((x, y) => x[0] - y[0]);
    const lastOnA = seen.filter(([, s]) => s.host === 'A').at(-1);
    const firstOnB = seen.find(([, s]) => s.host === 'B');
    // One number apart, or two when the guest paused in the middle of a line (its two halves then are in different logs, joined above).
    assert.ok(lastOnA && firstOnB && firstOnB[0] - lastOnA[0] >= 1 && firstOnB[0] - lastOnA[0] <= 2, `B continues where A stopped (last on A ${lastOnA?.[0]}, first on B ${firstOnB?.[0]})`);
    const switchGapMs = firstOnB[1].at - lastOnA[1].at;
    const jobinfo = await virshOn(daemons.peer.uri, ['domjobinfo', inst.domainName, '--completed']);
    const downtime = Number(/Total downtime:\s+(\d+)\s+ms/.exec(jobinfo)?.[1]);
    assert.ok(Number.isFinite(downtime), `libvirt reports the downtime: ${jobinfo}`);
    process.stdout.write(`# live migration on NFS through the API: ${elapsed} ms until the operation succeeded, libvirt downtime ${downtime} ms, counter pause at the switch ${switchGapMs} ms\n`);
    assert.ok(switchGapMs <= downtime + SWITCH_SLACK_MS, `the counter paused ${switchGapMs} ms at the switch; libvirt measured ${downtime} ms of downtime`);

    // Read over NFS from B's namespace, as B's QEMU reads it.
    const check = await run(['ip', 'netns', 'exec', cluster.two.peerNs, 'qemu-img', 'check', '-U', `nfs://${nfs.address}${disk}`], { timeoutMs: 120_000 });
    assert.match(check.stdout, /No errors were found/);

    assert.match(await virshOn(daemons.controller.uri, ['domstate', inst.domainName]), /^ERR/, 'A knows no such domain');
    assert.ok(!existsSync(join(controller.dataDir, 'instances', inst.id)), 'no files of the instance left in A\'s data directory');
  });
});
