/**
 * Guests on onebox's networks, with the real executable, inside a lab (test/lab): a host
 * namespace with its own libvirtd and an "outside" namespace with an HTTP server. NAT network
 * with a dhcp address pool (two guests get exactly their reserved addresses, reach each other
 * and the outside through the masquerade; a deleted guest's address is handed out again), a
 * static pool (the address comes through cloud-init's network config), and a bridged network
 * on a bridge made by `onebox network bridge-setup` with onebox's own dnsmasq, which comes back
 * with its reservations when killed and when onebox restarts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { miniImagePath } from '../fixtures/mini-image.js';
import { createLab, labRequirements, type Lab } from '../lab/netns-lab.js';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { BINARY, OneboxServer, waitFor, type Json } from './onebox-server.js';

describe('guests on networks, in a lab', { skip: skipUnlessPresent(bundle(), ...labRequirements()), timeout: 1_200_000 }, () => {
  let lab: Lab;
  let libvirtd: PrivateQemuLibvirtd;
  let server: OneboxServer;
  let imageId = '';
  let nat: Json;

  before(async () => {
    const image = await miniImagePath();
    lab = await createLab('nets');
    libvirtd = await lab.startLibvirtd();
    server = await OneboxServer.start(['--host-netns', lab.hostNs], { socketPath: libvirtd.socketPath, uri: libvirtd.uri });
    // The first-run setup's own NAT network, in the lab (on the system libvirtd it would touch the root namespace).
    await server.bootstrap({ create: true, subnet: `${lab.address(2, 0)}/24` });
    imageId = (await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(image)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } })).id;
  });
  after(async () => {
    await server?.cleanup().catch((err: unknown) => console.error(String(err)));
    await libvirtd?.stop();
    await lab?.close();
  });

  /** Creates and starts an instance from the mini image; resolves with it once its console shows the address it got. */
  async function boot(name: string, expectAddress?: string): Promise<Json> {
    const res = await server.call('POST', '/instances', { json: { name, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId }, start: true } });
    assert.equal(res.status, 202, await res.clone().text());
    const op = await server.waitOperation(res);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    const inst = await server.json('GET', `/instances/${name}`);
    // Both lines, in either order: a slow lease lands after READY (udhcpc goes to the background).
    await server.waitConsole(inst.id, `ONEBOX-GUEST-IP ${expectAddress ?? inst.address}`, 1, 120_000);
    await server.waitConsole(inst.id, 'ONEBOX-GUEST-READY', 1, 120_000);
    return inst;
  }

  async function remove(name: string): Promise<void> {
    const del = await server.call('DELETE', `/instances/${name}`);
    assert.equal((await server.waitOperation(del)).state, 'succeeded');
  }

  test('NAT: two guests get exactly their reserved addresses, reach each other and the outside through the masquerade', async () => {
    const first = await server.json('GET', '/networks/default');
    assert.deepEqual([first.subnet, first.hosts.map((h: Json) => h.active)], [`${lab.address(2, 0)}/24`, [true]], 'setup made the first network');
    nat = await server.json('POST', '/networks', { json: { kind: 'nat', name: 'natnet', subnet: lab.address(1, 0) + '/24' } });
    assert.deepEqual(nat.hosts.map((h: Json) => [h.active, h.detail]), [[true, `NAT on ${nat.bridge}`]]);
    const pool = await server.call('POST', '/address-pools', { json: { name: 'natpool', network: 'natnet', gateway: nat.gateway, dnsServers: [nat.gateway], ranges: [{ start: lab.address(1, 10), end: lab.address(1, 19), prefix: 24 }] } });
    assert.equal(pool.status, 201, await pool.clone().text());
    assert.equal((await server.call('PUT', '/pools/default/network', { json: { network: 'natnet', addressPool: 'natpool' } })).status, 200);
    // The network lives in the lab's host namespace only.
    assert.match(execFileSync('ip', ['netns', 'exec', lab.hostNs, 'ip', '-br', 'link'], { encoding: 'utf8' }), new RegExp(nat.bridge));
    assert.doesNotMatch(execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' }), new RegExp(nat.bridge));

    const a = await boot('net-a');
    const b = await boot('net-b');
    assert.deepEqual([a.address, b.address], [lab.address(1, 10), lab.address(1, 11)]);
    const leases = (await server.json('GET', `/networks/${nat.id}/leases`)).items as Json[];
    for (const inst of [a, b]) assert.ok(leases.some((l) => l.mac === inst.nics[0].mac && l.ip === inst.address), `lease of ${inst.name}: ${JSON.stringify(leases)}`);
    // The guest's own view through its QEMU guest agent: the reserved address on the NIC's MAC.
    let seen: Json = {};
    await waitFor('the guest agent of net-a', 60_000, async () => {
      seen = await server.json('GET', `/instances/${a.id}/guest-addresses`);
      return seen.source === 'agent';
    }, 1000);
    const eth = (seen.items as Json[]).find((i) => i.mac === a.nics[0].mac);
    assert.deepEqual(eth?.addresses.filter((x: Json) => x.family === 'ipv4'), [{ address: a.address, prefix: 24, family: 'ipv4' }], JSON.stringify(seen));
    const ping = await server.serialRun(a.id, `ping -c 1 -W 3 ${b.address} >/dev/null && echo PING-$((6*7))`, /PING-42/, 90_000);
    assert.match(ping, /PING-42/, 'a reaches b');
    const http = await server.serialRun(a.id, `wget -q -O - ${lab.http.url}`, new RegExp(lab.http.body), 90_000);
    assert.match(http, new RegExp(lab.http.body), 'a reaches the outside through the masquerade');
  });

  test("NAT: a deleted guest's address is handed out again, and the new guest boots with it", async () => {
    await remove('net-b');
    const c = await boot('net-c');
    assert.equal(c.address, lab.address(1, 11));
    await remove('net-a');
    await remove('net-c');
  });

  test('static pool: the address reaches the guest through cloud-init, no DHCP', async () => {
    const pool = await server.call('POST', '/address-pools', {
      json: { name: 'fixed', network: 'natnet', mode: 'static', gateway: nat.gateway, dnsServers: [nat.gateway], ranges: [{ start: lab.address(1, 30), end: lab.address(1, 39), prefix: 24 }] },
    });
    assert.equal(pool.status, 201, await pool.clone().text());
    assert.equal((await server.call('PUT', '/pools/default/network', { json: { network: 'natnet', addressPool: 'fixed' } })).status, 200);
    const s = await boot('net-static', lab.address(1, 30));
    assert.match(await server.waitConsole(s.id, `ONEBOX-GUEST-IP ${lab.address(1, 30)} static`), /static/);
    const leases = (await server.json('GET', `/networks/${nat.id}/leases`)).items as Json[];
    assert.ok(!leases.some((l) => l.mac === s.nics[0].mac), 'no DHCP lease for a static address');
    const http = await server.serialRun(s.id, `wget -q -O - ${lab.http.url}`, new RegExp(lab.http.body), 90_000);
    assert.match(http, new RegExp(lab.http.body));
    await remove('net-static');
  });

  test("bridged: onebox's dnsmasq on a bridge made by bridge-setup hands out reserved leases, comes back when killed and after a restart", async () => {
    execFileSync('ip', ['netns', 'exec', lab.hostNs, BINARY, 'network', 'bridge-setup', '--nic', 'uplink', '--bridge', 'br0', '--yes'], { encoding: 'utf8' });
    const lan = await server.json('POST', '/networks', { json: { kind: 'bridged', name: 'lan', bridge: 'br0' } });
    const created = await server.call('POST', '/address-pools', {
      json: { name: 'lanpool', network: 'lan', gateway: lab.outAddress, dnsServers: [lab.outAddress], ranges: [{ start: lab.address(0, 100), end: lab.address(0, 109), prefix: 24 }] },
    });
    assert.equal(created.status, 201, await created.clone().text());
    assert.equal((await server.call('PUT', '/pools/default/network', { json: { network: 'lan', addressPool: 'lanpool' } })).status, 200);
    const hosts = (await server.json('GET', `/networks/${lan.id}`)).hosts as Json[];
    assert.deepEqual(hosts.map((h) => h.active), [true], JSON.stringify(hosts));

    const e = await boot('lan-e');
    assert.equal(e.address, lab.address(0, 100));
    assert.match(await server.serialRun(e.id, `wget -q -O - ${lab.http.url}`, new RegExp(lab.http.body), 90_000), new RegExp(lab.http.body), 'on the LAN itself');

    const first = dnsmasqPid();
    process.kill(first, 'SIGKILL');
    await waitFor('dnsmasq to be restarted', 30_000, async () => dnsmasqPidOrZero() !== 0 && dnsmasqPidOrZero() !== first);
    const f = await boot('lan-f');
    assert.equal(f.address, lab.address(0, 101), 'the restarted dnsmasq serves the new reservation');

    await server.stop();
    await server.spawn();
    await waitFor('dnsmasq after the restart', 30_000, async () => dnsmasqPidOrZero() !== 0);
    const g = await boot('lan-g');
    assert.equal(g.address, lab.address(0, 102), 'rebuilt from the database after the restart');
    for (const name of ['lan-e', 'lan-f', 'lan-g']) await remove(name);
  });

  /** The pid of the dnsmasq onebox runs in the lab's host namespace for this server (by its files in the data directory). */
  function dnsmasqPidOrZero(): number {
    const pids = execFileSync('ip', ['netns', 'pids', lab.hostNs], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    const mine = pids.filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.startsWith('dnsmasq') && cmdline.includes(`/run/onebox/dnsmasq/${createHash('sha256').update(server.dataDir).digest('hex').slice(0, 16)}/`);
      } catch {
        return false;
      }
    });
    return mine[0] ?? 0;
  }

  function dnsmasqPid(): number {
    const pid = dnsmasqPidOrZero();
    assert.ok(pid > 0, 'onebox runs a dnsmasq for the bridged network');
    return pid;
  }
});
