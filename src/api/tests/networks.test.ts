/** Networks, address pools and NICs through the API (fake hypervisor: its networks are libvirt's, in memory). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from '../test-harness.js';
import { createInstance, instanceBody, json, waitOperation, type Json } from './fixtures.js';

describe('networks, address pools and NICs', () => {
  let api: TestApi;
  let net: Json;
  const libvirtName = () => `ob-${net.id}`;
  const reservations = async () => (await api.hypervisor.networks.hosts(libvirtName())).map((h) => `${h.mac} ${h.ip}`).sort();
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  test('a NAT network gets a free /24, runs on the host, and shows its state per host', async () => {
    const res = await api.call('POST', '/api/v1/networks', { json: { kind: 'nat', name: 'lab' } });
    assert.equal(res.status, 201, await res.clone().text());
    net = await json(res);
    assert.match(net.subnet, /^(10\.\d+|192\.168)\.\d+\.0\/24$/);
    assert.equal(net.gateway, net.subnet.replace(/0\/24$/, '1'));
    assert.deepEqual(net.hosts.map((h: Json) => h.active), [true]);
    assert.equal((await api.hypervisor.networks.find(libvirtName()))?.active, true);
    const clash = await api.call('POST', '/api/v1/networks', { json: { kind: 'nat', name: 'clash', subnet: net.subnet } });
    assert.equal(clash.status, 409);
    assert.equal((await json(clash)).code, 'subnet_in_use');
    const dup = await api.call('POST', '/api/v1/networks', { json: { kind: 'nat', name: 'lab' } });
    assert.equal((await json(dup)).code, 'network_name_taken');
  });

  test('bad address pools are refused with stable codes and nothing is stored', async () => {
    const base = net.subnet.replace(/\.0\/24$/, '');
    const pool = (over: Json) => ({ name: 'p', network: 'lab', gateway: net.gateway, ranges: [{ start: `${base}.10`, end: `${base}.20`, prefix: 24 }], ...over });
    const cases: [string, Json, number, string][] = [
      ['range outside the subnet', pool({ ranges: [{ start: '172.31.0.10', end: '172.31.0.20', prefix: 24 }] }), 400, 'address_pool_invalid'],
      ['gateway inside a range', pool({ ranges: [{ start: `${base}.1`, end: `${base}.9`, prefix: 24 }] }), 400, 'address_pool_invalid'],
      ['start after end', pool({ ranges: [{ start: `${base}.20`, end: `${base}.10`, prefix: 24 }] }), 400, 'address_pool_invalid'],
      ['overlapping ranges', pool({ ranges: [{ start: `${base}.10`, end: `${base}.20`, prefix: 24 }, { start: `${base}.15`, end: `${base}.25`, prefix: 24 }] }), 400, 'address_pool_invalid'],
      ["overlapping the NAT network's own DHCP", pool({ ranges: [{ start: `${base}.190`, end: `${base}.210`, prefix: 24 }] }), 409, 'address_ranges_overlap'],
      ['a gateway that is not the host', pool({ gateway: `${base}.254` }), 400, 'address_pool_invalid'],
      ['not an address', pool({ gateway: 'x' }), 400, 'validation_failed'],
      ['unknown network', pool({ network: 'nope' }), 404, 'network_not_found'],
    ];
    for (const [name, body, status, code] of cases) {
      const res = await api.call('POST', '/api/v1/address-pools', { json: body });
      assert.equal(res.status, status, `${name}: ${await res.clone().text()}`);
      assert.equal((await json(res)).code, code, name);
    }
    assert.deepEqual((await json(await api.call('GET', '/api/v1/address-pools'))).items, []);
  });

  test('a dhcp pool: instances get a reserved address and MAC; delete gives the address back', async () => {
    const base = net.subnet.replace(/\.0\/24$/, '');
    const created = await api.call('POST', '/api/v1/address-pools', { json: { name: 'lab-pool', network: 'lab', gateway: net.gateway, dnsServers: [net.gateway], ranges: [{ start: `${base}.10`, end: `${base}.12`, prefix: 24 }] } });
    assert.equal(created.status, 201, await created.clone().text());
    assert.equal((await json(await api.call('PUT', '/api/v1/pools/default/network', { json: { network: 'lab', addressPool: 'lab-pool' } }))).addressPoolId, (await json(created)).id);
    const a = await createInstance(api, instanceBody('net-a'));
    assert.equal(a.operation.state, 'succeeded', JSON.stringify(a.operation));
    const inst = await json(await api.call('GET', '/api/v1/instances/net-a'));
    assert.equal(inst.address, `${base}.10`);
    assert.match(inst.nics[0].mac, /^52:54:00(:[0-9a-f]{2}){3}$/);
    assert.deepEqual(api.hypervisor.specOf(inst.domainName)?.nics, [{ kind: 'network', network: libvirtName(), mac: inst.nics[0].mac }]);
    assert.deepEqual(await reservations(), [`${inst.nics[0].mac} ${base}.10`]);
    const fixed = await createInstance(api, instanceBody('net-b', { nics: [{ address: `${base}.12`, mac: '52:54:00:0a:0b:0c' }] }));
    assert.equal(fixed.operation.state, 'succeeded');
    const refusals: [Json, number, string][] = [
      [instanceBody('net-c', { nics: [{ address: `${base}.12` }] }), 409, 'address_taken'],
      [instanceBody('net-c', { nics: [{ address: `${base}.50` }] }), 400, 'address_outside_ranges'],
      [instanceBody('net-c', { nics: [{ mac: '52:54:00:0A:0B:0C' }] }), 409, 'mac_taken'],
      [instanceBody('net-c', { nics: [{ mac: '53:54:00:0a:0b:0c' }] }), 400, 'validation_failed'],
    ];
    for (const [body, status, code] of refusals) {
      const res = await api.call('POST', '/api/v1/instances', { json: body });
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal((await json(res)).code, code, JSON.stringify(body));
    }
    const last = await createInstance(api, instanceBody('net-d'));
    assert.equal((await json(await api.call('GET', '/api/v1/instances/net-d'))).address, `${base}.11`);
    assert.equal(last.operation.state, 'succeeded');
    const full = await api.call('POST', '/api/v1/instances', { json: instanceBody('net-e') });
    assert.equal(full.status, 409);
    assert.equal((await json(full)).code, 'address_pool_exhausted');
    assert.equal((await api.call('GET', '/api/v1/instances/net-e')).status, 404, 'nothing was created');
    const none = await createInstance(api, instanceBody('net-f', { nics: [] }));
    assert.deepEqual((await json(await api.call('GET', '/api/v1/instances/net-f'))).nics, [], 'nics: [] means none');
    assert.equal(none.operation.state, 'succeeded');

    const del = await api.call('DELETE', '/api/v1/instances/net-a');
    assert.equal((await waitOperation(api, del.headers.get('location'))).state, 'succeeded');
    assert.ok(!(await reservations()).some((r) => r.endsWith(`${base}.10`)), 'the reservation went with the instance');
    const again = await createInstance(api, instanceBody('net-g'));
    assert.equal(again.operation.state, 'succeeded');
    assert.equal((await json(await api.call('GET', '/api/v1/instances/net-g'))).address, `${base}.10`, 'the address is allocatable again');
    const pool = await json(await api.call('GET', '/api/v1/address-pools/lab-pool'));
    assert.deepEqual([pool.size, pool.allocated], [3, 3]);
    assert.deepEqual(pool.allocations.map((x: Json) => `${x.address} ${x.instanceName}`), [`${base}.10 net-g`, `${base}.11 net-d`, `${base}.12 net-b`]);
  });

  test("a running guest's addresses: from its guest agent when one answers, else from its NICs' DHCP leases", async () => {
    const base = net.subnet.replace(/\.0\/24$/, '');
    const inst = await json(await api.call('GET', '/api/v1/instances/net-g'));
    const url = `/api/v1/instances/${inst.id}/guest-addresses`;
    const notYet = await api.call('GET', url);
    assert.deepEqual([notYet.status, (await json(notYet)).code], [409, 'instance_not_running']);
    assert.equal((await api.call('POST', `/api/v1/instances/${inst.id}/actions/start`)).status, 200);
    const leased = await api.call('GET', url);
    assert.equal(leased.status, 200, await leased.clone().text());
    assert.deepEqual(await json(leased), { source: 'leases', items: [{ name: null, mac: inst.nics[0].mac, addresses: [{ address: `${base}.10`, prefix: 24, family: 'ipv4' }] }] });

    const eth0 = { name: 'eth0', mac: inst.nics[0].mac, addresses: [{ address: `${base}.10`, prefix: 24, family: 'ipv4' as const }, { address: 'fe80::5054:ff:fe00:1', prefix: 64, family: 'ipv6' as const }] };
    api.hypervisor.setGuestAgent(inst.domainName, [{ name: 'lo', mac: '00:00:00:00:00:00', addresses: [{ address: '127.0.0.1', prefix: 8, family: 'ipv4' }] }, eth0]);
    assert.deepEqual(await json(await api.call('GET', url)), { source: 'agent', items: [eth0] }, 'loopback is left out');

    assert.equal((await api.call('POST', `/api/v1/instances/${inst.id}/actions/force-stop`)).status, 200);
    assert.equal((await api.call('GET', '/api/v1/instances/nope/guest-addresses')).status, 404);
  });

  test('what is in use cannot be removed; changes refused with codes, nothing lost', async () => {
    const base = net.subnet.replace(/\.0\/24$/, '');
    const cases: [string, string, Json | undefined, number, string][] = [
      ['DELETE', '/api/v1/networks/lab', undefined, 409, 'network_in_use'],
      ['DELETE', '/api/v1/address-pools/lab-pool', undefined, 409, 'address_pool_in_use'],
      ['PATCH', '/api/v1/address-pools/lab-pool', { ranges: [{ start: `${base}.10`, end: `${base}.11`, prefix: 24 }] }, 409, 'address_range_in_use'],
      ['PUT', '/api/v1/pools/default/network', { network: 'lab', addressPool: null }, 409, 'pool_addresses_allocated'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await api.call(method, path, body === undefined ? {} : { json: body });
      assert.equal(res.status, status, `${method} ${path}: ${await res.clone().text()}`);
      assert.equal((await json(res)).code, code, `${method} ${path}`);
    }
    assert.equal((await json(await api.call('GET', '/api/v1/address-pools/lab-pool'))).allocated, 3);
  });

  test('NICs are added and removed on stopped instances only', async () => {
    const running = await createInstance(api, instanceBody('nic-run', { nics: [], start: true }));
    const refused = await api.call('POST', `/api/v1/instances/${running.instance.id}/nics`, { json: { network: 'lab' } });
    assert.equal(refused.status, 409);
    assert.equal((await json(refused)).code, 'instance_must_be_stopped');
    const stopped = await createInstance(api, instanceBody('nic-stop', { nics: [] }));
    const added = await api.call('POST', `/api/v1/instances/${stopped.instance.id}/nics`, { json: { network: 'lab' } });
    assert.equal(added.status, 409, 'the pool is full');
    assert.equal((await json(added)).code, 'address_pool_exhausted');
    const netb = await json(await api.call('GET', '/api/v1/instances/net-b'));
    assert.equal((await api.call('DELETE', `/api/v1/instances/${netb.id}/nics/${netb.nics[0].id}`)).status, 204);
    const now = await api.call('POST', `/api/v1/instances/${stopped.instance.id}/nics`, { json: { network: 'lab' } });
    assert.equal(now.status, 201, await now.clone().text());
    const nic = await json(now);
    assert.equal(nic.address, `${net.subnet.replace(/\.0\/24$/, '')}.12`, 'the removed NIC gave its address back');
    assert.deepEqual(api.hypervisor.specOf(stopped.instance.domainName)?.nics.map((n) => n.mac), [nic.mac], 'the domain was redefined with it');
    assert.equal((await api.call('DELETE', `/api/v1/instances/${stopped.instance.id}/nics/nic_000000000000`)).status, 404);
  });

  test('after a restart the database is the truth: the network and its reservations are rebuilt', async () => {
    const before = await reservations();
    await api.hypervisor.networks.remove(libvirtName());
    api = await api.restart();
    assert.equal((await api.hypervisor.networks.find(libvirtName()))?.active, true);
    assert.deepEqual(await reservations(), before);
  });
});

describe('100 concurrent creates against one address pool', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.bootstrap();
  });
  after(() => api.close());

  test('distinct addresses and MACs for 100, address_pool_exhausted for the 101st, never a 500', { timeout: 120_000 }, async () => {
    await api.call('POST', '/api/v1/pools', { json: { name: 'many', cpuOvercommit: 32, memoryOvercommit: 4 } });
    const host = (await json(await api.call('GET', '/api/v1/hosts'))).items[0];
    await api.call('PATCH', `/api/v1/hosts/${host.id}`, { json: { poolId: (await json(await api.call('GET', '/api/v1/pools/many'))).id } });
    const net = await json(await api.call('POST', '/api/v1/networks', { json: { kind: 'nat', name: 'busy', subnet: '10.123.0.0/24' } }));
    await api.call('POST', '/api/v1/address-pools', { json: { name: 'hundred', network: net.id, gateway: '10.123.0.1', ranges: [{ start: '10.123.0.10', end: '10.123.0.109', prefix: 24 }] } });
    assert.equal((await api.call('PUT', '/api/v1/pools/many/network', { json: { network: 'busy', addressPool: 'hundred' } })).status, 200);
    const responses = await Promise.all(
      Array.from({ length: 101 }, (_, i) => api.call('POST', '/api/v1/instances', { json: { ...instanceBody(`c-${i}`, { memoryMiB: 64 }), pool: 'many' } })),
    );
    const statuses = responses.map((r) => r.status);
    assert.ok(statuses.every((s) => s < 500), `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 202).length, 100);
    const refused = responses.filter((r) => r.status !== 202);
    assert.equal(refused.length, 1);
    assert.equal(refused[0].status, 409);
    assert.equal((await json(refused[0])).code, 'address_pool_exhausted');
    await api.services.operations.settled();
    const items = (await json(await api.call('GET', '/api/v1/instances'))).items.filter((i: Json) => i.poolId !== undefined && i.name.startsWith('c-'));
    assert.equal(items.length, 100);
    assert.equal(new Set(items.map((i: Json) => i.address)).size, 100);
    assert.equal(new Set(items.map((i: Json) => i.nics[0].mac)).size, 100);
    assert.ok(items.every((i: Json) => i.state === 'stopped'), 'every create finished');
  });
});

describe('first-run setup offers a private NAT network', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.close());

  test('by default: a /24 NAT network and address pool, used by the default pool; a clashing subnet refuses the whole setup', async () => {
    const clash = await api.call('POST', '/api/v1/setup', { json: { username: 'admin', password: 'Sup3rSecret', setupCode: api.setupCode, network: { create: true, subnet: '127.0.0.0/24' } } });
    assert.equal(clash.status, 409, await clash.clone().text());
    assert.equal((await json(clash)).code, 'subnet_in_use');
    assert.equal(api.services.auth.isSetupNeeded(), true, 'no admin was made');
    const ok = await api.call('POST', '/api/v1/setup', { json: { username: 'admin', password: 'Sup3rSecret', setupCode: api.setupCode } });
    assert.equal(ok.status, 201, await ok.clone().text());
    const login = await api.call('POST', '/api/v1/sessions', { json: { username: 'admin', password: 'Sup3rSecret' } });
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    const headers = { cookie };
    const nets = (await json(await api.call('GET', '/api/v1/networks', { headers, token: null }))).items;
    assert.deepEqual(nets.map((n: Json) => [n.name, n.kind]), [['default', 'nat']]);
    const pool = await json(await api.call('GET', '/api/v1/pools/default', { headers, token: null }));
    const apool = await json(await api.call('GET', '/api/v1/address-pools/default', { headers, token: null }));
    assert.deepEqual([pool.networkId, pool.addressPoolId], [nets[0].id, apool.id]);
    assert.equal(apool.size, 190);
    assert.equal((await api.hypervisor.networks.find(`ob-${nets[0].id}`))?.active, true);
  });
});

describe('a host that cannot start a network', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    // As when the bridge's address is taken on the host: libvirt defines the network but cannot start it.
    api.hypervisor.networks.start = async (name: string) => {
      throw new Error(`internal error: Network is already in use by interface ${name}`);
    };
  });
  after(() => api.close());

  test("setup with its NAT network still creates the admin and the network (201, not 500); the network shows the host's failure", async () => {
    const res = await api.call('POST', '/api/v1/setup', { json: { username: 'admin', password: 'Chang3Me!', setupCode: api.setupCode, network: { create: true } } });
    assert.equal(res.status, 201, await res.clone().text());
    const login = await api.call('POST', '/api/v1/sessions', { json: { username: 'admin', password: 'Chang3Me!' } });
    assert.equal(login.status, 201);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const net = await json(await api.call('GET', '/api/v1/networks/default', { headers: { cookie } }));
    assert.deepEqual(net.hosts.map((h: Json) => [h.active, h.detail]), [[false, 'The libvirt network is not running.']]);
    const pool = await json(await api.call('GET', '/api/v1/address-pools/default', { headers: { cookie } }));
    assert.equal(pool.networkId, net.id);
  });
});
