import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseHostNetwork } from '../network/bridge-setup-ip.js';
import { hostInterfacesOf } from './host-bridges.js';

const fixture = (name: string) => readFileSync(new URL(`../network/testdata/bridge-setup/lab.${name}.json`, import.meta.url), 'utf8');

test("a host's interfaces: kind, addresses in CIDR form, bridge port and the default route's device", () => {
  const host = parseHostNetwork({ links: fixture('links'), addresses: fixture('addresses'), routes4: fixture('routes4'), routes6: fixture('routes6') });
  const byName = Object.fromEntries(hostInterfacesOf(host).map((i) => [i.name, i]));
  assert.deepEqual(Object.keys(byName), ['lo', 'peer', 'uplink']);
  assert.deepEqual([byName.lo.kind, byName.lo.defaultRoute], ['loopback', false]);
  assert.deepEqual(byName.uplink.addresses, ['10.57.0.2/24', 'fe80::dc11:64ff:fee6:6d3a/64']);
  assert.deepEqual([byName.uplink.kind, byName.uplink.defaultRoute, byName.uplink.master, byName.uplink.up], ['ethernet', true, null, true]);
  assert.equal(byName.peer.defaultRoute, false);
  const bridged = hostInterfacesOf({ ...host, links: [...host.links.map((l) => (l.name === 'uplink' ? { ...l, master: 'br0' } : l)), { name: 'br0', linkType: 'ether', kind: 'bridge', mtu: 1500, up: true }] });
  assert.deepEqual(bridged.map((i) => [i.name, i.kind, i.master]), [['lo', 'loopback', null], ['peer', 'ethernet', null], ['uplink', 'ethernet', 'br0'], ['br0', 'bridge', null]]);
});
