/**
 * Cold migration and evacuation between two hosts: the controller (a lab namespace, the system
 * libvirtd through its socket) and a joined peer (its own onebox and private libvirtd in the
 * lab's other namespace, over the lab's veth; nothing in the root namespace). A stopped mini guest with a data disk moves to the peer, its disk files copied (the
 * system disk re-pointed at the peer's copy of the image), then starts there and reads the
 * marker it wrote before the move. Refusals: same host, running without live, live from a host
 * without a migration certificate, unknown host, a lost host. Evacuating the peer brings two stopped instances back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { run } from '../../src/lib/exec.js';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { PeerOnebox } from '../lab/peer-onebox.js';
import { createTwoHostLab, labRequirements, type TwoHostLab } from '../lab/two-host-lab.js';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { OneboxServer, waitFor, type Json } from './onebox-server.js';

const DATA_MARK = `MIGRATED-${randomBytes(4).toString('hex')}`;

/** Two hosts in the default pool: the controller's own and a joined peer. Everything made here is undone by `close`. */
interface TwoHosts {
  controller: OneboxServer;
  libvirtd: PrivateQemuLibvirtd;
  localHostId: string;
  peerHostId: string;
  peerDir: string;
  peerOutput(): string;
  killPeer(): Promise<void>;
  close(): Promise<void>;
}

/** Two hosts in a two-host lab (test/lab/two-host-lab.ts): the controller and the peer each in a namespace of their own, nothing in the root namespace. */
async function startTwoHosts(): Promise<TwoHosts> {
  const lab: TwoHostLab = await createTwoHostLab('migr');
  const undo: (() => Promise<unknown>)[] = [() => lab.close()];
  const close = async () => {
    for (const step of undo.reverse()) await step().catch((err: unknown) => console.error(String(err)));
  };
  try {
    const libvirtd = await lab.startPeerLibvirtd();
    undo.push(() => libvirtd.stop());
    const controller = await lab.startController(['--heartbeat-interval', '1', '--heartbeat-lost-after', '3']);
    undo.push(() => controller.cleanup());
    await controller.bootstrap();
    const peer = new PeerOnebox(lab, libvirtd);
    undo.push(() => peer.stop('SIGKILL'));
    const peerHostId = await peer.join(controller);
    await waitFor('the joined host online', 60_000, async () => (await controller.json('GET', `/hosts/${peerHostId}`)).state === 'online');
    const defaultPool = await controller.json('GET', '/pools/default');
    const moved = await controller.call('PATCH', `/hosts/${peerHostId}`, { json: { poolId: defaultPool.id } });
    assert.equal(moved.status, 200, await moved.clone().text());
    const localHostId = (await controller.json('GET', '/hosts')).items.find((h: Json) => h.isLocal).id;
    return { controller, libvirtd, localHostId, peerHostId, peerDir: peer.dataDir, peerOutput: () => peer.output, killPeer: () => peer.stop('SIGKILL'), close };
  } catch (err) {
    await close();
    throw err;
  }
}

describe('cold migration between two hosts, and evacuating a host', { skip: skipUnlessPresent(bundle(), ...labRequirements()), timeout: 1_500_000 }, () => {
  let hosts: TwoHosts;
  let controller: OneboxServer;
  let imageId = '';
  const created: { id: string; domainName: string }[] = [];

  const migrate = (id: string, body: Json) => controller.call('POST', `/instances/${id}/actions/migrate`, { json: body });
  const problemOf = async (res: Response, status: number, code: string) => {
    const body = (await res.clone().json()) as Json;
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.code, code, JSON.stringify(body));
    return body;
  };
  const virshOn = async (uri: string, args: string[]) => (await run(['virsh', '-c', uri, ...args]).catch((err: Error) => ({ stdout: `ERR ${err.message}` }))).stdout.trim();
  const create = async (name: string, hostId: string, start: boolean) => {
    const res = await controller.call('POST', '/instances', { json: { name, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId }, dataDisks: [{ sizeGiB: 1 }], nics: [], hostId, start } });
    assert.equal(res.status, 202, await res.clone().text());
    const inst = ((await res.clone().json()) as Json).instance;
    created.push({ id: inst.id, domainName: inst.domainName });
    assert.equal((await controller.waitOperation(res, 300_000)).state, 'succeeded');
    return inst as Json;
  };
  /** Runs a shell line on the guest; what it printed after `KEY=`. */
  const guest = async (id: string, key: string, command: string) => {
    const re = new RegExp(`${key}=([A-Za-z0-9_-]*)\\r?\\n`);
    const out = await controller.serialRun(id, `echo ${key}=$(${command} | tr -cd 'A-Za-z0-9_-')`, re, 180_000);
    const m = re.exec(out);
    assert.ok(m, `the guest printed no ${key}: ${out.slice(-500)}`);
    return m[1];
  };
  const forceStop = async (id: string) => {
    const res = await controller.call('POST', `/instances/${id}/actions/force-stop`);
    assert.equal(res.status, 200, await res.clone().text());
    await controller.waitState(id, 'stopped', 60_000);
  };

  before(async () => {
    const image = await miniImagePath(); // built (or cached) before any connection opens
    hosts = await startTwoHosts();
    controller = hosts.controller;
    imageId = (await controller.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(image)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } })).id;
  }, { timeout: 400_000 });

  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(controller?.output, '\n--- peer ---\n', hosts?.peerOutput());
    for (const { domainName } of created) {
      await virshOn(hosts.libvirtd.uri, ['destroy', domainName]);
      await virshOn(hosts.libvirtd.uri, ['undefine', domainName]);
    }
    await hosts?.close();
  });

  test('refusals: the same host, running without live, live to a host whose libvirtd does not listen with TLS, an unknown host; the instance stays put and running', async () => {
    const inst = await create('mover', hosts.localHostId, true);
    await controller.waitConsole(inst.id, MINI_GUEST_READY, 1, 600_000); // TCG on a loaded machine
    assert.equal(await guest(inst.id, 'WROTE', `printf ${DATA_MARK} | dd of=/dev/vdb conv=notrunc 2>/dev/null; sync; echo done`), 'done');

    await problemOf(await migrate(inst.id, { hostId: hosts.localHostId }), 409, 'migration_same_host');
    const running = await problemOf(await migrate(inst.id, { hostId: hosts.peerHostId }), 409, 'instance_must_be_stopped');
    assert.match(running.detail, /"live": true/);
    await problemOf(await migrate(inst.id, { hostId: 'host_nope' }), 404, 'host_not_found');
    await problemOf(await migrate(inst.id, { hostId: hosts.peerHostId, extra: 1 }), 400, 'validation_failed');
    const live = await migrate(inst.id, { hostId: hosts.peerHostId, live: true });
    assert.equal(live.status, 202, await live.clone().text());
    const liveOp = await controller.waitOperation(live, 60_000);
    assert.equal(liveOp.state, 'failed');
    // The controller has its migration certificate, but the peer's libvirtd does not listen with
    // TLS here (test/system/live-migration-api.test.ts sets that up): the attempt fails cleanly
    // (the target's precreated disks removed) and the guest keeps running where it was.
    assert.equal(liveOp.errorCode, 'live_migration_failed');
    assert.match(String(liveOp.errorDetail), /keeps running on its host/);
    const after = await controller.waitState(inst.id, 'running', 30_000);
    assert.equal(after.hostId, hosts.localHostId);
  });

  test('a stopped instance moves to the peer with its disks copied, starts there and reads what it wrote before', async () => {
    const inst = await controller.json('GET', '/instances/mover');
    await forceStop(inst.id);
    const sourceDir = join(controller.dataDir, 'instances', inst.id);
    assert.ok(existsSync(join(sourceDir, 'data-0.qcow2')));

    const res = await migrate(inst.id, { hostId: hosts.peerHostId });
    assert.equal(res.status, 202, await res.clone().text());
    // Meanwhile the instance is busy: a start is refused, not queued behind the copy.
    const busy = await controller.call('POST', `/instances/${inst.id}/actions/start`);
    if (busy.status !== 200) assert.equal(((await busy.json()) as Json).code, 'instance_busy');
    const op = await controller.waitOperation(res, 300_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.match(op.message, /Moved with [\d.]+ MiB of disk files copied/);
    const moved = await controller.json('GET', `/instances/${inst.id}`);
    assert.equal(moved.hostId, hosts.peerHostId);
    assert.equal(moved.state, 'stopped');

    assert.equal(await virshOn(hosts.libvirtd.uri, ['domstate', inst.domainName]), 'shut off', 'defined on the peer');
    assert.match(await virshOn('qemu:///system', ['domstate', inst.domainName]), /^ERR/, 'undefined on the source');
    assert.ok(!existsSync(sourceDir), 'the source files are gone');
    const peerDir = join(hosts.peerDir, 'instances', inst.id);
    assert.deepEqual(readdirSync(peerDir).filter((f) => f.endsWith('.qcow2')).sort(), ['data-0.qcow2', 'system.qcow2']);
    assert.ok(!existsSync(`${peerDir}.incoming`), 'no incoming directory left');
    const info = JSON.parse((await run(['qemu-img', 'info', '--output=json', '-U', join(peerDir, 'system.qcow2')])).stdout) as Json;
    assert.equal(info['backing-filename'], join(hosts.peerDir, 'cache', 'images', `${imageId}.qcow2`), "the system disk sits on the peer's copy of the image");
    await run(['qemu-img', 'check', join(peerDir, 'system.qcow2')]);

    const start = await controller.call('POST', `/instances/${inst.id}/actions/start`);
    assert.equal(start.status, 200, await start.clone().text());
    assert.equal(await virshOn(hosts.libvirtd.uri, ['domstate', inst.domainName]), 'running');
    await controller.waitConsole(inst.id, MINI_GUEST_READY, 1, 600_000); // TCG on a loaded machine
    const mark = await guest(inst.id, 'DMARK', `head -c ${DATA_MARK.length} /dev/vdb`).finally(() => forceStop(inst.id));
    assert.equal(mark, DATA_MARK, 'the data disk came along intact');
  });

  test('evacuating the peer: scheduling off, two stopped instances back on the controller host, one child operation each', async () => {
    const second = await create('second', hosts.peerHostId, false);
    const res = await controller.call('POST', `/hosts/${hosts.peerHostId}/actions/evacuate`, { json: {} });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal((await controller.json('GET', `/hosts/${hosts.peerHostId}`)).enabled, false, 'scheduling is off at once');
    const op = await controller.waitOperation(res, 600_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.equal(op.result.items.length, 2);
    for (const item of op.result.items) assert.equal(item.state, 'succeeded', JSON.stringify(item));
    const children = (await controller.json('GET', `/operations?target=${second.id}`)).items.filter((o: Json) => o.kind === 'instance.migrate');
    assert.equal(children[0]?.parentId, op.id);
    for (const name of ['mover', 'second']) {
      const inst = await controller.json('GET', `/instances/${name}`);
      assert.equal(inst.hostId, hosts.localHostId, `${name} is back on the controller host`);
      assert.equal(inst.state, 'stopped');
      assert.match(await virshOn(hosts.libvirtd.uri, ['domstate', inst.domainName]), /^ERR/, `${name} left the peer`);
    }
    assert.deepEqual(readdirSync(join(hosts.peerDir, 'instances')).filter((d) => d.startsWith('ins_')), [], 'nothing left on the peer');
    const evacuateSelf = await controller.call('POST', `/hosts/${hosts.peerHostId}/actions/evacuate`, { json: { hostId: hosts.peerHostId } });
    await problemOf(evacuateSelf, 409, 'migration_same_host');
  });

  test('a lost host is refused as a target, host by host; the instance stays whole', async () => {
    const enabled = await controller.call('PATCH', `/hosts/${hosts.peerHostId}`, { json: { enabled: true } });
    assert.equal(enabled.status, 200);
    await hosts.killPeer();
    await waitFor('peer lost', 20_000, async () => (await controller.json('GET', `/hosts/${hosts.peerHostId}`)).state === 'lost');
    const inst = await controller.json('GET', '/instances/second');
    const body = await problemOf(await migrate(inst.id, { hostId: hosts.peerHostId }), 409, 'migration_target_unfit');
    assert.match(body.detail, /^Host '[^']+' cannot take instance 'second' \(1 cores, 128 MiB\): offline\.$/);
    assert.deepEqual(body.hosts.map((h: Json) => h.reasons), [['offline']]);
    const still = await controller.json('GET', `/instances/${inst.id}`);
    assert.equal(still.hostId, hosts.localHostId);
    assert.equal(still.state, 'stopped');
    for (const name of ['mover', 'second']) {
      const del = await controller.call('DELETE', `/instances/${name}`);
      if (del.status === 202) assert.equal((await controller.waitOperation(del, 120_000)).state, 'succeeded');
    }
  });
});
