import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsmasqArgs, dnsmasqHostsFile, parseLeaseFile } from './dnsmasq-config.js';

test('dnsmasq serves only reserved hosts on one bridge, without DNS', () => {
  const args = dnsmasqArgs(
    { interface: 'br0', network: '192.168.1.0', netmask: '255.255.255.0', gateway: '192.168.1.1', dnsServers: ['192.168.1.1', '9.9.9.9'] },
    { hostsFile: '/d/h', leaseFile: '/d/l', pidFile: '/d/p' },
  );
  assert.deepEqual(args, [
    '--keep-in-foreground', '--conf-file=/dev/null', '--port=0', '--interface=br0', '--bind-interfaces', '--except-interface=lo',
    '--dhcp-range=192.168.1.0,static,255.255.255.0,3600', '--dhcp-hostsfile=/d/h', '--dhcp-leasefile=/d/l', '--pid-file=/d/p',
    '--dhcp-option=option:router,192.168.1.1', '--dhcp-option=option:dns-server,192.168.1.1,9.9.9.9', '--dhcp-no-override', '--log-dhcp',
  ]);
});

test('hosts file and lease file', () => {
  assert.equal(dnsmasqHostsFile([{ mac: '52:54:00:00:00:01', ip: '192.168.1.10', name: 'web-1' }, { mac: '52:54:00:00:00:02', ip: '192.168.1.11' }]), '52:54:00:00:00:01,192.168.1.10,web-1\n52:54:00:00:00:02,192.168.1.11\n');
  assert.deepEqual(parseLeaseFile('1767225600 52:54:00:00:00:01 192.168.1.10 web-1 01:52:54:00:00:00:01\n1767225601 52:54:00:00:00:02 192.168.1.11 * *\n\ngarbage\n'), [
    { mac: '52:54:00:00:00:01', ip: '192.168.1.10', hostname: 'web-1', expiresAt: 1767225600 },
    { mac: '52:54:00:00:00:02', ip: '192.168.1.11', expiresAt: 1767225601 },
  ]);
});
