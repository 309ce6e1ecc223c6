import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disksOfXml } from './domain-disks.js';

test('disksOfXml: virtio disks with their files, CD-ROMs left out', () => {
  const xml = `<domain><devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/p/ins_a/system.qcow2' index='2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><source file='/p/seed.iso'/><target dev='sdb' bus='sata'/></disk>
    <disk type="file" device="disk"><source file="/p/a&amp;b/data-0.qcow2"/><target dev="vdb" bus="virtio"/></disk>
  </devices></domain>`;
  assert.deepEqual(disksOfXml(xml), [
    { target: 'vda', path: '/p/ins_a/system.qcow2' },
    { target: 'vdb', path: '/p/a&b/data-0.qcow2' },
  ]);
});
