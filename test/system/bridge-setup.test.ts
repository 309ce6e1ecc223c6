/**
 * `onebox network bridge-setup`, the real executable run inside a lab's host namespace (test/lab)
 * on the lab's veth uplink: without --yes and on refusals nothing changes; with --yes the bridge
 * carries the uplink's addresses and routes, the uplink is its port and the host still reaches
 * its gateway and the outside HTTP server; when the gateway stops answering, or enslaving fails
 * partway, everything returns to exactly the original `ip -j` listings. A second lab does the
 * same with a NIC carrying much more (secondary, labelled, noprefixroute, dynamic and IPv6
 * addresses, an IPv6 default route through a link-local gateway, routes in another table).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLab, labRequirements, type Lab } from '../lab/netns-lab.js';
import { bundle, command, skipUnlessPresent } from '../require-system.js';
import { BINARY, OneboxServer } from './onebox-server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Runs `onebox network bridge-setup ARGS` in the lab's host namespace; resolves with its exit code and output. */
async function bridgeSetup(lab: Lab, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = lab.spawn([BINARY, 'network', 'bridge-setup', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, out, err };
}

/** What a lifetime or an expiry says, without the seconds that tick away between two listings. */
const untimed = (j: Json): Json =>
  Object.fromEntries(
    Object.entries(j).map(([k, v]) => [
      k,
      ['valid_life_time', 'preferred_life_time', 'expires'].includes(k) && v !== 4294967295 ? 'finite' : Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? untimed(x) : x)) : v,
    ]),
  );

/** The host namespace's links, addresses and routes (all tables, both families), as `ip -j` lists them. */
async function listing(lab: Lab): Promise<Json> {
  const ip = async (...args: string[]) => (JSON.parse((await lab.exec(['ip', '-j', ...args])).stdout) as Json[]).map(untimed);
  return {
    links: (await ip('link', 'show')).map(({ ifname, master, flags, address, mtu }) => ({ ifname, master, flags, address, mtu })),
    addresses: await ip('addr', 'show'),
    routes4: await ip('-4', 'route', 'show', 'table', 'all'),
    routes6: await ip('-6', 'route', 'show', 'table', 'all'),
  };
}

/** The gateway answers a ping from the host namespace (busybox's ping: the machine has no other). */
async function pingGateway(lab: Lab): Promise<void> {
  await lab.exec(['busybox', 'ping', '-c', '1', '-W', '3', lab.outAddress]);
}

const suite = { skip: skipUnlessPresent(...labRequirements(), bundle(), command('busybox', ['true'], 'busybox-static')), timeout: 180_000 };

describe('onebox network bridge-setup on the lab uplink', suite, () => {
  let lab: Lab;
  let original: Json;
  before(async () => {
    lab = await createLab(`bs-${process.pid}`);
    original = await listing(lab);
  });
  after(async () => {
    await lab?.close();
  });

  test('without --yes it prints the plan, changes nothing and exits 3', async () => {
    const r = await bridgeSetup(lab, '--nic', 'uplink');
    assert.equal(r.code, 3, r.err);
    for (const part of ["'uplink' into a new bridge 'br0'", `${lab.hostAddress}/24`, `default via ${lab.outAddress} metric 0   <- the default route`, 'STP off, forward delay 0']) {
      assert.ok(r.out.includes(part), `${part} in:\n${r.out}`);
    }
    assert.match(r.err, /Nothing was changed.*--yes/);
    assert.deepEqual(await listing(lab), original);
  });

  test('refuses a missing NIC, the loopback and a taken bridge name (exit 4), changing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--nic', 'eth0', '--yes'], /no network interface 'eth0'.*nic_not_found/],
      [['--nic', 'lo', '--yes'], /'lo' is the loopback.*nic_is_loopback/],
      [['--nic', 'uplink', '--bridge', 'uplink', '--yes'], /'uplink' exists already.*bridge_name_taken/],
    ];
    for (const [args, message] of cases) {
      const r = await bridgeSetup(lab, ...args);
      assert.equal(r.code, 4, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
    }
    assert.deepEqual(await listing(lab), original);
  });

  test('when the gateway stops answering before the check, it rolls back to exactly the original state (exit 1)', async () => {
    await lab.execOut(['ip', 'link', 'set', 'dev', 'peer', 'arp', 'off']);
    await lab.exec(['ip', 'neigh', 'flush', 'all']);
    try {
      const r = await bridgeSetup(lab, '--nic', 'uplink', '--yes', '--gateway-timeout', '2');
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, /- add route default via .* to br0\n- check the gateway/);
      assert.match(r.err, new RegExp(`gateway ${lab.outAddress.replace(/\./g, '\\.')} did not answer ARP on 'br0' within 2 s. Everything was rolled back.*gateway_unreachable`));
    } finally {
      await lab.execOut(['ip', 'link', 'set', 'dev', 'peer', 'arp', 'on']);
    }
    assert.deepEqual(await listing(lab), original);
  });

  test('when enslaving the NIC fails partway (a macvlan holds it), it rolls back to exactly the original state (exit 1)', async () => {
    await lab.exec(['ip', 'link', 'add', 'mv0', 'link', 'uplink', 'type', 'macvlan']);
    const withMacvlan = await listing(lab);
    try {
      const r = await bridgeSetup(lab, '--nic', 'uplink', '--yes');
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, /- add address .* to br0\n- make uplink a port of br0\n/);
      assert.match(r.err, /failed at "make uplink a port of br0".*busy.*Everything was rolled back.*bridge_setup_failed/);
      assert.deepEqual(await listing(lab), withMacvlan);
    } finally {
      await lab.exec(['ip', 'link', 'del', 'dev', 'mv0']);
    }
    assert.deepEqual(await listing(lab), original);
  });

  test('with --yes the bridge carries the address and the default route, the uplink is its port, and the outside is still reached', async () => {
    const r = await bridgeSetup(lab, '--nic', 'uplink', '--yes');
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /Done: 'uplink' is a port of 'br0' \(confirmed\)/);
    const now = await listing(lab);
    const link = (name: string) => now.links.find((l: Json) => l.ifname === name);
    assert.equal(link('uplink').master, 'br0');
    assert.equal(link('br0').address, link('uplink').address, 'the bridge has the MAC of its NIC');
    const addrs = (dev: string) => now.addresses.find((l: Json) => l.ifname === dev).addr_info.filter((a: Json) => a.family === 'inet').map((a: Json) => `${a.local}/${a.prefixlen}`);
    assert.deepEqual(addrs('br0'), [`${lab.hostAddress}/24`]);
    assert.deepEqual(addrs('uplink'), []);
    const main = now.routes4.filter((x: Json) => x.table === undefined).map((x: Json) => `${x.dst} ${x.gateway ?? '-'} ${x.dev}`);
    assert.deepEqual(main, [`default ${lab.outAddress} br0`, `${lab.address(0, 0)}/24 - br0`]);
    const details = JSON.parse((await lab.exec(['ip', '-j', '-d', 'link', 'show', 'dev', 'br0'])).stdout)[0].linkinfo.info_data;
    assert.deepEqual([details.stp_state, details.forward_delay], [0, 0]);
    await pingGateway(lab);
    assert.equal(await lab.httpGetFromHost(lab.http.url), `${lab.http.body}\n`);
  });
});

describe('onebox network bridge-setup on a NIC carrying much more', suite, () => {
  let lab: Lab;
  let original: Json;
  const on = (lab: Lab) => (...args: string[]) => lab.exec(['ip', ...args]);

  before(async () => {
    lab = await createLab(`bsx-${process.pid}`);
    const ip = on(lab);
    const net = (k: number, h: number) => lab.address(k, h);
    await ip('addr', 'add', `${net(0, 3)}/24`, 'dev', 'uplink', 'label', 'uplink:x');
    await ip('addr', 'add', `${net(2, 5)}/24`, 'dev', 'uplink', 'metric', '7', 'noprefixroute');
    await ip('route', 'add', `${net(2, 0)}/24`, 'dev', 'uplink', 'proto', 'kernel', 'scope', 'link', 'src', net(2, 5), 'metric', '7');
    await ip('addr', 'add', `${net(3, 5)}/24`, 'dev', 'uplink', 'valid_lft', '3600', 'preferred_lft', '1800');
    await ip('-6', 'addr', 'add', 'fd00:1::2/64', 'dev', 'uplink', 'nodad');
    await ip('-6', 'addr', 'add', 'fd00:2::2/64', 'dev', 'uplink', 'nodad');
    await ip('-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'uplink', 'proto', 'ra', 'metric', '1024', 'expires', '1800');
    await ip('route', 'add', `${net(9, 0)}/24`, 'via', lab.outAddress, 'dev', 'uplink', 'table', '100', 'metric', '5');
    await ip('route', 'add', `${net(8, 0)}/24`, 'via', lab.outAddress, 'dev', 'uplink', 'mtu', '1400', 'proto', 'static');
    // The outside answers as the IPv6 gateway too.
    await lab.execOut(['ip', '-6', 'addr', 'add', 'fe80::1/64', 'dev', 'peer', 'nodad']);
    original = await listing(lab);
  });
  after(async () => {
    await lab?.close();
  });

  test('a failed gateway check restores every address and route exactly', async () => {
    await lab.execOut(['ip', 'link', 'set', 'dev', 'peer', 'arp', 'off']);
    await lab.exec(['ip', 'neigh', 'flush', 'all']);
    try {
      const r = await bridgeSetup(lab, '--nic', 'uplink', '--bridge', 'br-lan', '--yes', '--gateway-timeout', '2');
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.err, /Everything was rolled back/);
    } finally {
      await lab.execOut(['ip', 'link', 'set', 'dev', 'peer', 'arp', 'on']);
    }
    assert.deepEqual(await listing(lab), original);
  });

  test('with --yes the bridge carries the same addresses and routes, both gateways answer, and the outside is reached', async () => {
    const r = await bridgeSetup(lab, '--nic', 'uplink', '--bridge', 'br-lan', '--yes');
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /- check the gateway fe80::1\n/);
    const now = await listing(lab);
    // What the uplink had (but its IPv6 link-local address and per-interface routes) is now the bridge's, renamed.
    const addressesOf = (l: Json, dev: string) =>
      l.addresses
        .find((x: Json) => x.ifname === dev)
        .addr_info.filter((a: Json) => a.scope !== 'link' || a.family === 'inet')
        .map(({ label, ...a }: Json) => ({ ...a, label: label?.replace(dev, 'DEV') }));
    assert.deepEqual(addressesOf(now, 'br-lan'), addressesOf(original, 'uplink'));
    const routesOf = (l: Json, dev: string) =>
      [...l.routes4, ...l.routes6]
        .filter((x: Json) => x.dev === dev && x.table !== 'local' && !String(x.dst).startsWith('fe80:'))
        .map((x: Json) => ({ ...x, dev: 'DEV' }));
    assert.deepEqual(routesOf(now, 'br-lan'), routesOf(original, 'uplink'));
    assert.deepEqual(routesOf(now, 'uplink'), []);
    await pingGateway(lab);
    assert.equal(await lab.httpGetFromHost(lab.http.url), `${lab.http.body}\n`);
  });
});

describe('bridge-setup through the API (onebox serve with its host in the lab namespace)', suite, () => {
  let lab: Lab;
  let server: OneboxServer;
  let original: Json;
  let host = '';
  const setup = (body: Json) => server.call('POST', `/hosts/${host}/bridge-setup`, { json: body });

  before(async () => {
    lab = await createLab(`bsa-${process.pid}`);
    original = await listing(lab);
    server = await OneboxServer.start(['--host-netns', lab.hostNs]);
    await server.bootstrap();
    host = (await server.json('GET', '/hosts')).items[0].id;
  });
  after(async () => {
    await server?.cleanup().catch((err: unknown) => console.error(String(err)));
    await lab?.close();
  });

  test("the host's interfaces are the lab namespace's: the uplink carries the address and the default route", async () => {
    const items = (await server.json('GET', `/hosts/${host}/interfaces`)).items as Json[];
    assert.deepEqual(items.map((i) => i.name).sort(), ['lo', 'uplink']);
    const uplink = items.find((i) => i.name === 'uplink');
    assert.deepEqual([uplink?.kind, uplink?.defaultRoute, uplink?.master, uplink?.addresses.includes(`${lab.hostAddress}/24`)], ['ethernet', true, null, true]);
    assert.equal(items.find((i) => i.name === 'lo')?.kind, 'loopback');
  });

  test('without confirm: the plan and no change; refusals answer their codes and change nothing', async () => {
    const dry = await setup({ nic: 'uplink' });
    assert.equal(dry.status, 200, await dry.clone().text());
    const body = await dry.json();
    assert.deepEqual([body.applied, body.bridge], [false, 'br0']);
    assert.ok(body.plan.some((l: string) => l.includes(`default via ${lab.outAddress}`)), body.plan.join('\n'));
    const cases: [Json, number, string][] = [
      [{ nic: 'eth9', confirm: true }, 404, 'nic_not_found'],
      [{ nic: 'lo', confirm: true }, 409, 'nic_is_loopback'],
      [{ nic: 'uplink', bridge: 'uplink', confirm: true }, 409, 'bridge_name_taken'],
      [{ nic: 'up/link', confirm: true }, 400, 'validation_failed'],
      [{ nic: 'uplink', extra: 1 }, 400, 'validation_failed'],
    ];
    for (const [json, status, code] of cases) {
      const res = await setup(json);
      assert.equal(res.status, status, `${JSON.stringify(json)}: ${await res.clone().text()}`);
      assert.equal((await res.json()).code, code, JSON.stringify(json));
    }
    assert.equal((await server.call('GET', '/hosts/nohost/interfaces')).status, 404);
    assert.deepEqual(await listing(lab), original);
  });

  test('a gateway that stops answering: 502 gateway_unreachable and everything rolled back', async () => {
    await lab.execOut(['ip', 'link', 'set', 'dev', 'peer', 'arp', 'off']);
    await lab.exec(['ip', 'neigh', 'flush', 'all']);
    try {
      const res = await setup({ nic: 'uplink', confirm: true });
      assert.equal(res.status, 502, await res.clone().text());
      const problem = await res.json();
      assert.equal(problem.code, 'gateway_unreachable');
      assert.match(problem.detail, /rolled back/);
    } finally {
      await lab.execOut(['ip', 'link', 'set', 'dev', 'peer', 'arp', 'on']);
    }
    assert.deepEqual(await listing(lab), original);
  });

  test('with confirm: the bridge takes over the uplink, the gateway still answers, the change is audited', async () => {
    const res = await setup({ nic: 'uplink', confirm: true });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await res.json()).applied, true);
    const items = (await server.json('GET', `/hosts/${host}/interfaces`)).items as Json[];
    const br0 = items.find((i) => i.name === 'br0');
    assert.deepEqual([br0?.kind, br0?.defaultRoute, br0?.addresses.includes(`${lab.hostAddress}/24`)], ['bridge', true, true]);
    assert.equal(items.find((i) => i.name === 'uplink')?.master, 'br0');
    await pingGateway(lab);
    const again = await setup({ nic: 'uplink', confirm: true });
    assert.deepEqual([again.status, (await again.json()).code], [409, 'nic_enslaved']);
    const audit = (await server.json('GET', '/audit')).items as Json[];
    assert.ok(audit.some((a) => a.action === 'bridge-setup' && a.detail === 'uplink → br0'), JSON.stringify(audit.slice(0, 5)));
  });
});
