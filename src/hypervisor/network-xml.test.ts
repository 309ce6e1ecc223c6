import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildNetworkXml, dhcpHostXml, parseDhcpHosts, type VirtualNetworkSpec } from './network-xml.js';

const testdata = join(import.meta.dirname, 'testdata');
const base: VirtualNetworkSpec = { name: 'ob-net_golden000000', bridge: 'obr-golden00', gateway: '10.42.0.1', prefix: 24, dhcp: { kind: 'range', start: '10.42.0.100', end: '10.42.0.199' }, hosts: [] };
const golden: [string, VirtualNetworkSpec][] = [
  ['net-nat-dynamic', base],
  ['net-nat-reserved', { ...base, dhcp: { kind: 'reserved' }, hosts: [{ mac: '52:54:00:aa:bb:01', ip: '10.42.0.10', name: 'web-1' }, { mac: '52:54:00:aa:bb:02', ip: '10.42.0.11' }] }],
  ['net-nat-no-dhcp', { ...base, dhcp: { kind: 'off' }, prefix: 16, gateway: '10.43.0.1' }],
];

for (const [file, spec] of golden) {
  test(`network XML golden: ${file}`, () => {
    const xml = buildNetworkXml(spec);
    const path = join(testdata, `${file}.xml`);
    if (process.env.UPDATE_GOLDEN) writeFileSync(path, xml);
    assert.equal(xml, readFileSync(path, 'utf8'), `run with UPDATE_GOLDEN=1 to rewrite ${path}`);
    const validated = spawnSync('virt-xml-validate', [path, 'network'], { encoding: 'utf8' });
    assert.equal(validated.status, 0, `${validated.stdout}${validated.stderr}`);
  });
}

test('hostile or malformed values are refused', () => {
  const bad: Partial<VirtualNetworkSpec>[] = [
    { name: "x'/><evil" }, { bridge: 'a-bridge-name-too-long' }, { gateway: '10.0.0.300' }, { prefix: 31 },
    { hosts: [{ mac: '52:54:00:AA:BB:CC', ip: '10.42.0.5' }] }, { hosts: [{ mac: '52:54:00:aa:bb:cc', ip: '10.42.0.5', name: 'a b' }] },
  ];
  for (const b of bad) assert.throws(() => buildNetworkXml({ ...base, ...b }), /invalid network spec/, JSON.stringify(b));
});

test('DHCP hosts round-trip through the XML', () => {
  const hosts = [{ mac: '52:54:00:aa:bb:01', ip: '10.42.0.10', name: 'web-1' }, { mac: '52:54:00:aa:bb:02', ip: '10.42.0.11' }];
  assert.deepEqual(parseDhcpHosts(buildNetworkXml({ ...base, dhcp: { kind: 'reserved' }, hosts })), hosts);
  assert.equal(dhcpHostXml(hosts[0]), "<host mac='52:54:00:aa:bb:01' name='web-1' ip='10.42.0.10'/>\n");
});
