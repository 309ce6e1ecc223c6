/**
 * bridge-setup's pure parts, from real `ip -j` listings in testdata/bridge-setup/ (a lab host
 * with one veth uplink, and a server-like host with secondary, labelled, noprefixroute, dynamic
 * and IPv6 addresses, routes in several tables, a bridge with a port and a tun device): parsing,
 * refusals, and the exact `ip` steps with their undos (golden files; `UPDATE_GOLDEN=1` rewrites).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BridgeSetupError, type BridgeSetupCode } from './bridge-setup-errors.js';
import { type HostNetwork, parseHostNetwork } from './bridge-setup-ip.js';
import { bridgeSteps, describePlan, planBridgeSetup, validInterfaceName } from './bridge-setup-plan.js';

const TESTDATA = fileURLToPath(new URL('./testdata/bridge-setup/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** The host listed in testdata/bridge-setup/<name>.*.json. */
function host(name: string): HostNetwork {
  const read = (part: string) => readFileSync(`${TESTDATA}${name}.${part}.json`, 'utf8');
  return parseHostNetwork({ links: read('links'), addresses: read('addresses'), routes4: read('routes4'), routes6: read('routes6') });
}

/** The steps as text: one `ip …` line per step and its undo under it. */
function stepsText(h: HostNetwork, nic: string, bridge: string): string {
  return bridgeSteps(planBridgeSetup(h, nic, bridge))
    .map((s) => `# ${s.label}\nip ${s.run.join(' ')}\n${s.undo ? `  undo: ip ${s.undo.join(' ')}\n` : ''}`)
    .join('');
}

function refusal(fn: () => unknown): BridgeSetupCode {
  try {
    fn();
  } catch (err) {
    if (err instanceof BridgeSetupError) return err.code;
    throw err;
  }
  assert.fail('expected a BridgeSetupError');
}

describe('parsing ip -j listings', () => {
  it('reads links with their kind, master and MAC', () => {
    const links = host('server').links;
    const by = (n: string) => links.find((l) => l.name === n);
    assert.deepEqual(by('enp3s0'), { name: 'enp3s0', linkType: 'ether', kind: 'veth', mac: by('enp3s0')?.mac, mtu: 1500, master: undefined, up: true });
    assert.match(by('enp3s0')?.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(by('eno2')?.master, 'docker0');
    assert.equal(by('docker0')?.kind, 'bridge');
    assert.equal(by('tun0')?.linkType, 'none');
    assert.equal(by('lo')?.linkType, 'loopback');
  });

  it('reads every address attribute bridge-setup carries over', () => {
    const addrs = host('server').addresses.filter((a) => a.dev === 'enp3s0');
    const by = (local: string) => addrs.find((a) => a.local === local);
    assert.deepEqual(
      { ...by('192.168.1.20') },
      { dev: 'enp3s0', family: 'inet', local: '192.168.1.20', prefixlen: 24, peer: undefined, broadcast: '192.168.1.255', scope: 'global', label: 'enp3s0', metric: 100, validLft: 4294967295, preferredLft: 4294967295, flags: ['noprefixroute'] },
    );
    assert.equal(by('192.168.1.21')?.label, 'enp3s0:1');
    assert.ok((by('192.168.7.5')?.validLft ?? 0) <= 3600 && (by('192.168.7.5')?.validLft ?? 0) > 3000, 'a dynamic address keeps its lifetime');
    assert.deepEqual(by('2001:db8:1::20')?.flags, ['nodad']);
  });

  it('reads routes of every table, with the devices of multipath routes and why some cannot move', () => {
    const routes = host('server').routes;
    const defaults = routes.filter((r) => r.dst === 'default');
    assert.deepEqual(defaults.map((r) => [r.family, r.gateway, r.protocol, r.metric, r.devs]), [
      ['inet', '192.168.1.1', 'dhcp', 100, ['enp3s0']],
      ['inet6', 'fe80::1', 'ra', 1024, ['enp3s0']],
    ]);
    assert.deepEqual(routes.find((r) => r.dst === '10.20.0.0/16')?.metrics, [['mtu', 1400]]);
    assert.equal(routes.find((r) => r.dst === '203.0.113.0/24')?.table, '100');
    const multipath = parseHostNetwork({
      links: '[]',
      addresses: '[]',
      routes4: '[{"dst":"198.51.100.0/24","flags":[],"nexthops":[{"gateway":"192.168.1.2","dev":"enp3s0","weight":1,"flags":[]},{"gateway":"192.168.1.3","dev":"eno2","weight":1,"flags":[]}]}]',
      routes6: '',
    }).routes[0];
    assert.deepEqual(multipath.devs, ['enp3s0', 'eno2']);
    assert.match(multipath.unsupported ?? '', /multipath/);
  });

  it('refuses output that is not a JSON list, naming it', () => {
    for (const text of ['not json', '{"a":1}', '[1,2]']) {
      assert.equal(refusal(() => parseHostNetwork({ links: text, addresses: '[]', routes4: '[]', routes6: '[]' })), 'unexpected_ip_output');
    }
  });
});

describe('interface names', () => {
  const table: [string, boolean][] = [
    ['eth0', true], ['enp3s0', true], ['uplink', true], ['enp3s0.100', true], ['my-nic_1', true], ['br0', true], ['a'.repeat(15), true],
    ['', false], ['a'.repeat(16), false], ['a/b', false], ['a b', false], ['a:b', false], ['.', false], ['..', false], ['tab\there', false],
  ];
  for (const [name, ok] of table) it(`'${name}' is ${ok ? 'valid' : 'refused'}`, () => assert.equal(validInterfaceName(name), ok));
});

describe('planBridgeSetup', () => {
  it('moves the lab uplink: its address, its kernel route and its default route, and checks the gateway', () => {
    const plan = planBridgeSetup(host('lab'), 'uplink', 'br0');
    assert.deepEqual(plan.addresses.map((a) => `${a.local}/${a.prefixlen}`), ['10.57.0.2/24'], 'the IPv6 link-local address stays');
    assert.deepEqual(plan.routes.map((r) => `${r.dst} ${r.gateway ?? ''}`), ['10.57.0.0/24 ', 'default 10.57.0.1'], 'local-table and fe80::/64 routes stay');
    assert.deepEqual(plan.gateways, [{ family: 'inet', address: '10.57.0.1' }]);
    assert.deepEqual(plan.warnings, []);
  });

  it('moves a server NIC with everything on it, in an order that works, and warns about its dynamic address', () => {
    const plan = planBridgeSetup(host('server'), 'enp3s0', 'br-lan');
    assert.equal(plan.addresses.length, 4);
    // Direct routes first (kernel ones included: added with `replace`), then those through a gateway, in listing order.
    assert.deepEqual(plan.routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}`), [
      '172.16.5.0/24', '192.168.1.0/24', '192.168.7.0/24', '2001:db8:1::/64',
      '203.0.113.0/24 via 192.168.1.253', 'default via 192.168.1.1', '10.20.0.0/16 via 192.168.1.254', 'default via fe80::1',
    ]);
    assert.deepEqual(plan.gateways, [{ family: 'inet', address: '192.168.1.1' }, { family: 'inet6', address: 'fe80::1' }]);
    const labelled = plan.addresses.find((a) => a.local === '192.168.1.21');
    assert.equal(labelled && plan.bridgeLabels.get(labelled), 'br-lan:1');
    assert.equal(plan.warnings.length, 1);
    assert.match(plan.warnings[0], /192\.168\.7\.5\/24 expires in \d+ s .*'br-lan'/);
  });

  // What is refused, the code, and the value the message must name.
  const refusals: [string, HostNetwork, string, string, BridgeSetupCode, string][] = [
    ['a NIC that does not exist', host('lab'), 'eth9', 'br0', 'nic_not_found', 'eth9'],
    ['the loopback', host('lab'), 'lo', 'br0', 'nic_is_loopback', 'lo'],
    ['a NIC already in a bridge', host('server'), 'eno2', 'br0', 'nic_enslaved', 'docker0'],
    ['a bridge as the NIC', host('server'), 'docker0', 'br0', 'nic_is_bridge', 'docker0'],
    ['a link that is not Ethernet', host('server'), 'tun0', 'br0', 'nic_not_ethernet', 'tun0'],
    ['a bridge name that is taken', host('server'), 'enp3s0', 'docker0', 'bridge_name_taken', 'docker0'],
    ['the NIC as the bridge name', host('lab'), 'uplink', 'uplink', 'bridge_name_taken', 'uplink'],
    ['an invalid NIC name', host('lab'), 'up/link', 'br0', 'invalid_interface_name', 'up/link'],
    ['an invalid bridge name', host('lab'), 'uplink', 'a-bridge-name-too-long', 'invalid_interface_name', 'a-bridge-name-too-long'],
    ['a label that would be too long', host('server'), 'enp3s0', 'br-lan-uplink0', 'address_unsupported', 'br-lan-uplink0:1'],
  ];
  for (const [what, h, nic, bridge, code, named] of refusals) {
    it(`refuses ${what} (${code}) with a sentence naming '${named}'`, () => {
      assert.equal(refusal(() => planBridgeSetup(h, nic, bridge)), code);
      assert.throws(() => planBridgeSetup(h, nic, bridge), (err: Error) => err.message.includes(`'${named}'`));
    });
  }

  it('refuses a multipath route through the NIC before changing anything', () => {
    const h = host('server');
    h.routes.push({ ...h.routes[0], dst: '198.51.100.0/24', devs: ['enp3s0', 'eno2'], unsupported: 'it has several next hops (multipath)' });
    assert.equal(refusal(() => planBridgeSetup(h, 'enp3s0', 'br0')), 'route_unsupported');
    assert.throws(() => planBridgeSetup(h, 'enp3s0', 'br0'), /198\.51\.100\.0\/24 .*multipath/);
  });

  it('describes the NIC, its addresses and routes (the default route marked), the bridge and the check', () => {
    const text = describePlan(planBridgeSetup(host('lab'), 'uplink', 'br0'), 5).join('\n');
    for (const part of ["'uplink' into a new bridge 'br0'", 'STP off, forward delay 0', '10.57.0.2/24', 'default via 10.57.0.1 metric 0   <- the default route', '10.57.0.0/24 proto kernel scope link src 10.57.0.2', 'gateway 10.57.0.1 still answers through br0', '5 s']) {
      assert.ok(text.includes(part), `${part} in:\n${text}`);
    }
  });
});

describe('bridgeSteps (golden)', () => {
  const cases: [string, string, string][] = [
    ['lab', 'uplink', 'br0'],
    ['server', 'enp3s0', 'br-lan'],
  ];
  for (const [name, nic, bridge] of cases) {
    it(`${name}: ${nic} into ${bridge}`, () => {
      const file = `${TESTDATA}${name}.steps.txt`;
      // The dynamic address's lifetime changes with each listing: the golden file shows it as N.
      const text = stepsText(host(name), nic, bridge).replace(/(valid_lft|preferred_lft|expires) \d+/g, '$1 N');
      if (UPDATE) writeFileSync(file, text);
      assert.equal(text, readFileSync(file, 'utf8'));
    });
  }

  it('undoes every step that changed something the bridge deletion does not take along', () => {
    const steps = bridgeSteps(planBridgeSetup(host('server'), 'enp3s0', 'br-lan'));
    const withoutUndo = steps.filter((s) => s.undo === undefined).map((s) => s.run.slice(0, 4).join(' '));
    assert.deepEqual(withoutUndo, ['link set dev br-lan', 'link set dev br-lan'], 'only settings of the new bridge itself');
  });
});
