/**
 * The spine, end to end: the real executable, a real libvirtd (QEMU, TCG here), real
 * qemu-img and SQLite, and a real guest whose serial console prints a marker. Drives the
 * public API through the whole user story of the spine issue.
 *
 * The libvirtd is a private qemu:///system daemon this test starts (its own directories, see
 * startPrivateQemuLibvirtd), because the test kills and restarts it: the machine's libvirtd and
 * everybody else's guests are never touched.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { type PrivateQemuLibvirtd, startPrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { MINI_GUEST_READY as MARKER, miniImagePath, miniIsoPath } from '../fixtures/mini-image.js';
import { bundle, privateLibvirtd, skipUnlessPresent } from '../require-system.js';
import { listDomains, OneboxServer, sleep, virshXml, type Json } from './onebox-server.js';

describe('spine: one executable boots a real VM', { skip: skipUnlessPresent(privateLibvirtd(), bundle()) }, () => {
  let daemon: PrivateQemuLibvirtd;
  let server: OneboxServer;
  let imagePath: string;
  let isoPath: string;
  const ids: Record<string, string> = {};
  const virsh = (...args: string[]) => spawnSync('virsh', ['-c', daemon.uri, ...args], { encoding: 'utf8' });

  before(async () => {
    imagePath = await miniImagePath();
    isoPath = await miniIsoPath();
    daemon = await startPrivateQemuLibvirtd();
    server = await OneboxServer.start([], daemon);
  });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    try {
      await server?.cleanup();
    } finally {
      await daemon?.stop();
    }
  });

  test('setup: weak password refused, admin created, login, token', async () => {
    assert.deepEqual(await server.json('GET', '/setup', { token: null }), { needed: true });
    const weak = await server.call('POST', '/setup', { json: { username: 'admin', password: 'password' }, token: null });
    assert.equal(weak.status, 400);
    assert.equal(((await weak.json()) as Json).code, 'password_too_weak');
    await server.bootstrap();
    assert.match(server.token, /^obt_/);
    const hosts = await server.json('GET', '/hosts');
    assert.equal(hosts.items.length, 1);
    const host = hosts.items[0];
    assert.equal(host.accel, 'tcg', 'this machine has no usable KVM');
    assert.match(host.accelReason, /vmx|svm|PVM/);
    await (async () => {
      for (let i = 0; i < 50 && !(await server.json('GET', `/hosts/${host.id}`)).online; i++) await new Promise((r) => setTimeout(r, 200));
    })();
    assert.equal((await server.json('GET', `/hosts/${host.id}`)).online, true);
  });

  test('upload the test image (streamed, SHA-256) and an ISO', async () => {
    const expected = createHash('sha256').update(await readFile(imagePath)).digest('hex');
    const res = await server.call('POST', '/images?name=mini&os=linux', {
      body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(res.status, 201, await res.clone().text());
    const image = (await res.json()) as Json;
    assert.equal(image.sha256, expected);
    assert.equal(image.format, 'qcow2');
    ids.image = image.id;
    // A bootable ISO of the same mini OS: its console says ONEBOX-BOOT-SOURCE iso.
    const m = await server.call('POST', '/media?name=mini.iso', { body: Readable.toWeb(createReadStream(isoPath)) as ReadableStream });
    assert.equal(m.status, 201);
    ids.media = ((await m.json()) as Json).id;
  });

  test('create from the image as a linked clone and boot it to the marker', async () => {
    const res = await server.call('POST', '/instances', {
      json: { name: 'spine-1', cores: 1, memoryMiB: 256, disk: { source: 'image', imageId: ids.image, sizeGiB: 1 }, dataDisks: [{ sizeGiB: 1 }], autostart: true, start: true },
    });
    const op = await server.waitOperation(res);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    const inst = await server.json('GET', '/instances/spine-1');
    ids.inst = inst.id;
    assert.equal(inst.state, 'running');
    assert.equal(inst.cloneMode, 'linked');
    const xml = virshXml(inst.domainName, daemon.uri);
    assert.match(xml, /<domain type='qemu'/);
    assert.match(xml, /<backingStore type='file'[^>]*>\s*<format type='qcow2'\/>\s*<source file='[^']*images\/img_/);
    assert.match(xml, /<graphics type='vnc' port='\d+' autoport='yes' listen='127\.0\.0\.1'/);
    assert.match(virsh('dominfo', inst.domainName).stdout, /Autostart:\s+enable/);
    await server.waitConsole(inst.id, MARKER);
  });

  test('VNC console over the websocket proxy: RFB handshake; a reused token is refused', async () => {
    const ticket = await server.json('POST', `/instances/${ids.inst}/console-tokens`, { json: { kind: 'vnc' } });
    const url = server.wsUrl(ticket.path);
    const ws = new WebSocket(url, ['binary'], server.wsOptions());
    const first = await new Promise<Buffer>((resolve, reject) => {
      ws.once('message', (data: Buffer) => resolve(data));
      ws.once('error', reject);
    });
    assert.equal(ws.protocol, 'binary');
    assert.match(first.toString('latin1'), /^RFB 003\.00\d\n/);
    ws.close();
    const status = await new Promise<number>((resolve) => {
      const again = new WebSocket(url, server.wsOptions());
      again.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      again.once('open', () => resolve(101));
    });
    assert.equal(status, 401);
  });

  test('serial console over the websocket: typing reaches the guest shell, which sees its data disk', async () => {
    // Wait for the last line: serialRun returns at the first match, and the disks line may come a moment after hi42.
    const output = await server.serialRun(ids.inst, 'echo hi$((6*7)); echo disks: $(ls /sys/block)', /disks: .*\bvdb\b/, 30_000);
    assert.match(output, /hi42/);
    assert.match(output, /disks: .*\bvda\b.*\bvdb\b/);
  });

  test('stop (ACPI) waits for the guest; start; reboot; reset; force-stop', async () => {
    const stop = await server.call('POST', `/instances/${ids.inst}/actions/stop`);
    const op = await server.waitOperation(stop, 150_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.equal((await server.json('GET', `/instances/${ids.inst}`)).state, 'stopped');

    const started = await server.json('POST', `/instances/${ids.inst}/actions/start`);
    assert.equal(started.state, 'running');
    await server.waitConsole(ids.inst, MARKER, 1);
    assert.equal((await server.json('POST', `/instances/${ids.inst}/actions/reboot`)).state, 'running');
    await server.waitConsole(ids.inst, MARKER, 2);
    assert.equal((await server.json('POST', `/instances/${ids.inst}/actions/reset`)).state, 'running');
    await server.waitConsole(ids.inst, MARKER, 3);
    assert.equal((await server.json('POST', `/instances/${ids.inst}/actions/force-stop`)).state, 'stopped');
    const again = await server.call('POST', `/instances/${ids.inst}/actions/force-stop`);
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as Json).code, 'invalid_instance_state');
  });

  test('blank instance with the ISO attached; start from the ISO boots the ISO', async () => {
    const res = await server.call('POST', '/instances', {
      json: { name: 'blank-1', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, mediaId: ids.media },
    });
    assert.equal((await server.waitOperation(res)).state, 'succeeded');
    const inst = await server.json('GET', '/instances/blank-1');
    ids.blank = inst.id;
    assert.equal(inst.state, 'stopped');
    assert.match(virshXml(inst.domainName, daemon.uri), /<source file='[^']*media\/iso_[^']*\.iso'/);
    const start = await server.call('POST', `/instances/${inst.id}/actions/start-from-iso`, { json: { mediaId: 'mini.iso' } });
    assert.equal((await server.waitOperation(start)).state, 'succeeded');
    assert.equal((await server.json('GET', `/instances/${inst.id}`)).state, 'running');
    const xml = virshXml(inst.domainName, daemon.uri);
    const cdrom = /<disk type='file' device='cdrom'>[\s\S]*?<\/disk>/.exec(xml)![0];
    assert.match(cdrom, /<boot order='1'\/>/);
    await server.waitConsole(inst.id, 'ONEBOX-BOOT-SOURCE iso');
    const inUse = await server.call('DELETE', `/media/${ids.media}`);
    assert.equal(inUse.status, 409);
    assert.equal(((await inUse.json()) as Json).code, 'media_in_use');
    // Eject and insert again while it runs (live tray change).
    assert.equal((await server.json('POST', `/instances/${inst.id}/actions/eject-media`)).mediaId, null);
    assert.doesNotMatch(/<disk type='file' device='cdrom'>[\s\S]*?<\/disk>/.exec(virshXml(inst.domainName, daemon.uri))![0], /<source file=/);
    assert.equal((await server.json('POST', `/instances/${inst.id}/actions/insert-media`, { json: { mediaId: 'mini.iso' } })).mediaId, ids.media);
    assert.match(/<disk type='file' device='cdrom'>[\s\S]*?<\/disk>/.exec(virshXml(inst.domainName, daemon.uri))![0], /<source file='[^']*media\/iso_/);
  });

  test('restart: instances keep their state; a domain removed behind onebox shows as error', async () => {
    await server.stop();
    await server.spawn();
    await server.waitState(ids.inst, 'stopped', 20_000);
    await server.waitState(ids.blank, 'running', 20_000);
    const name = (await server.json('GET', `/instances/${ids.blank}`)).domainName;
    await server.stop();
    virsh('destroy', name);
    virsh('undefine', name);
    await server.spawn();
    const lost = await server.waitState(ids.blank, 'error', 20_000);
    assert.match(lost.stateReason, /missing/);
  });

  test('lifecycle events reach onebox without polling', async () => {
    const name = (await server.json('GET', `/instances/${ids.inst}`)).domainName;
    virsh('start', name);
    await server.waitState(ids.inst, 'running', 10_000);
    virsh('destroy', name);
    await server.waitState(ids.inst, 'stopped', 10_000);
  });

  test('libvirtd restart: onebox reconnects, catches up on what it missed, and events flow again', async () => {
    const name = (await server.json('GET', `/instances/${ids.inst}`)).domainName;
    assert.equal((await server.json('POST', `/instances/${ids.inst}/actions/start`)).state, 'running');
    await daemon.kill();
    // The guest dies while nobody is listening: no event will ever say so.
    await daemon.killGuest(name);
    await daemon.restart();
    await server.waitState(ids.inst, 'stopped', 30_000);
    // Started behind onebox's back. A libvirtd just restarted may still be reaping the killed
    // guest's QEMU (under load this once failed the first start): a second try after a moment.
    let started = virsh('start', name);
    if (started.status !== 0) {
      await sleep(3_000);
      started = virsh('start', name);
    }
    assert.equal(started.status, 0, started.stderr);
    await server.waitState(ids.inst, 'running', 10_000);
    assert.equal((await server.json('POST', `/instances/${ids.inst}/actions/force-stop`)).state, 'stopped');
  });

  test('delete: domain, disk and everything else go', async () => {
    for (const id of [ids.inst, ids.blank]) {
      const inst = await server.json('GET', `/instances/${id}`);
      const op = await server.waitOperation(await server.call('DELETE', `/instances/${id}`));
      assert.equal(op.state, 'succeeded', JSON.stringify(op));
      assert.equal((await server.call('GET', `/instances/${id}`)).status, 404);
      assert.ok(!listDomains(daemon.uri).includes(inst.domainName));
      assert.equal(existsSync(join(server.dataDir, 'instances', id)), false);
    }
    assert.equal((await server.call('DELETE', `/images/${ids.image}`)).status, 204);
    assert.equal((await server.call('DELETE', `/media/${ids.media}`)).status, 204);
  });
});
