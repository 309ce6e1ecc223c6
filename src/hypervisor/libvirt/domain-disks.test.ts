import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disksOfXml, guestAgentConnectedInXml } from './domain-disks.js';

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

test('guestAgentConnectedInXml: only the guest agent channel in state connected counts', () => {
  const channel = (name: string, state?: string) => `<channel type='unix'><source mode='bind' path='/run/x'/><target type='virtio' name='${name}'${state ? ` state='${state}'` : ''}/><alias name='channel0'/></channel>`;
  const domain = (...channels: string[]) => `<domain><devices>${channels.join('')}</devices></domain>`;
  const cases: [string, string, boolean][] = [
    ['opened by the guest', domain(channel('org.qemu.guest_agent.0', 'connected')), true],
    ['no agent started in the guest', domain(channel('org.qemu.guest_agent.0', 'disconnected')), false],
    ['stopped (no state attribute)', domain(channel('org.qemu.guest_agent.0')), false],
    ['another channel connected, the agent not', domain(channel('org.example.other', 'connected'), channel('org.qemu.guest_agent.0', 'disconnected')), false],
    ['no channel at all', domain(), false],
  ];
  for (const [what, xml, connected] of cases) assert.equal(guestAgentConnectedInXml(xml), connected, what);
});
