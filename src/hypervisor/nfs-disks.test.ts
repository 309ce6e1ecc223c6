/** NFS pools reached through QEMU: nfs:// URLs, server names, network disks in domain and snapshot XML. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disksOfXml } from './libvirt/domain-disks.js';
import { isNfsServer } from '../shared/pools.js';
import { nfsUrl, parseNfsUrl } from '../lib/nfs-url.js';

test('nfsUrl joins server, export and volume; a trailing slash of the export is dropped', () => {
  assert.equal(nfsUrl('10.0.0.5', '/srv/onebox', 'ins_a/system.qcow2'), 'nfs://10.0.0.5/srv/onebox/ins_a/system.qcow2');
  assert.equal(nfsUrl('nas.lan', '/srv/onebox/'), 'nfs://nas.lan/srv/onebox');
  assert.equal(nfsUrl('nas.lan', '/', 'x/y.iso'), 'nfs://nas.lan/x/y.iso');
});

test('parseNfsUrl splits nfs:// URLs and refuses paths, queries and other schemes', () => {
  assert.deepEqual(parseNfsUrl('nfs://10.0.0.5/srv/onebox/ins_a/system.qcow2'), { server: '10.0.0.5', path: '/srv/onebox/ins_a/system.qcow2' });
  for (const other of ['/var/lib/onebox/x.qcow2', 'nfs://server', 'nfs://s/x?uid=0', 'http://s/x', 'nfs:///x']) assert.equal(parseNfsUrl(other), undefined, other);
});

test('NFS servers are host names or IPv4 addresses', () => {
  for (const ok of ['10.0.0.5', 'nas', 'nas.example.lan', 'a-b.c1']) assert.equal(isNfsServer(ok), true, ok);
  for (const bad of ['300.1.1.1', '10.0.0', 'bad host', '-nas', 'nas-', 'a..b', 'nas/x', 'fe80::1', '']) assert.equal(isNfsServer(bad), false, bad);
});

test('disksOfXml reads NFS network disks back as nfs:// URLs, file disks as paths', () => {
  const xml = `<domain><devices>
    <disk type='network' device='disk'><driver name='qemu' type='qcow2'/>
      <source protocol='nfs' name='/srv/onebox/ins_a/system.qcow2' index='2'>
        <host name='10.0.0.5'/>
        <identity user='root' group='root'/>
      </source><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><source file='/var/lib/onebox/ins_a/data-0.qcow2'/><target dev='vdb' bus='virtio'/></disk>
  </devices></domain>`;
  assert.deepEqual(disksOfXml(xml), [
    { target: 'vda', path: 'nfs://10.0.0.5/srv/onebox/ins_a/system.qcow2' },
    { target: 'vdb', path: '/var/lib/onebox/ins_a/data-0.qcow2' },
  ]);
});

test('a live snapshot of a disk on an NFS pool switches it to a network overlay', async () => {
  const { snapshotXml } = await import('./libvirt/block-jobs.js');
  const xml = snapshotXml('s1', [
    { target: 'vda', path: 'nfs://10.0.0.5/srv/onebox/ins_a/system.snap1.qcow2' },
    { target: 'vdb', path: '/var/lib/onebox/instances/ins_a/data-0.snap1.qcow2' },
  ]);
  assert.match(xml, /<disk name='vda' snapshot='external' type='network'>\s*<driver type='qcow2'\/>\s*<source protocol='nfs' name='\/srv\/onebox\/ins_a\/system.snap1.qcow2'>\s*<host name='10.0.0.5'\/>/);
  assert.match(xml, /<disk name='vdb' snapshot='external' type='file'>\s*<driver type='qcow2'\/>\s*<source file='\/var\/lib\/onebox\/instances\/ins_a\/data-0.snap1.qcow2'\/>/);
});
