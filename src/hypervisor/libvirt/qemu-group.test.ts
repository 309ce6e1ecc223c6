import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { groupId, qemuConfGroup, qemuConfUser, qemuGroup } from './qemu-group.js';

describe("QEMU's group from qemu.conf", () => {
  const dir = mkdtempSync(join(tmpdir(), 'onebox-qemu-group-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const groups = 'root:x:0:\nkvm:x:108:\nlibvirt-qemu:x:64055:libvirt-qemu\n';

  test('the first uncommented group setting, with or without a comment after it', () => {
    for (const [text, expected] of [
      ['#group = "root"\n', undefined],
      ['user = "libvirt-qemu"\n', undefined],
      ['group = "kvm"\ngroup = "root"\n', 'kvm'],
      ['  group="+108"   # numeric\n', '+108'],
      ['# group = "root"\ngroup = "libvirt-qemu"\n', 'libvirt-qemu'],
      ["group = 'kvm'\n", 'kvm'],
    ] as const)
      assert.equal(qemuConfGroup(text), expected, text);
  });

  test('a gid by name in /etc/group, +N as itself, undefined for an unknown group', () => {
    assert.equal(groupId('libvirt-qemu', groups), 64055);
    assert.equal(groupId('kvm', groups), 108);
    assert.equal(groupId('+4242', groups), 4242);
    assert.equal(groupId('libvirt', groups), undefined);
    assert.equal(groupId('qemu', ''), undefined);
  });

  test("Debian's libvirt-qemu (else RHEL's qemu) when qemu.conf sets none or is absent; qemu.conf's group otherwise", () => {
    const groupFile = join(dir, 'group');
    writeFileSync(groupFile, groups);
    const conf = join(dir, 'qemu.conf');
    writeFileSync(conf, '#group = "root"\n#user = "root"\n');
    assert.deepEqual(qemuGroup(conf, groupFile), { name: 'libvirt-qemu', gid: 64055, source: `the packages' default (${conf} sets no group)` });
    assert.equal(qemuGroup(join(dir, 'absent.conf'), groupFile).gid, 64055);
    const rhel = join(dir, 'group-rhel');
    writeFileSync(rhel, 'root:x:0:\nqemu:x:107:\n');
    assert.deepEqual(qemuGroup(conf, rhel), { name: 'qemu', gid: 107, source: `the packages' default (${conf} sets no group)` });
    assert.deepEqual(qemuGroup(conf, join(dir, 'no-group-file')), { name: 'libvirt-qemu', gid: undefined, source: `the packages' default (${conf} sets no group)` });
    writeFileSync(conf, 'group = "kvm"\n');
    assert.deepEqual(qemuGroup(conf, groupFile), { name: 'kvm', gid: 108, source: conf });
    writeFileSync(conf, 'group = "qemu"\n');
    assert.deepEqual(qemuGroup(conf, groupFile), { name: 'qemu', gid: undefined, source: conf });
  });

  test('QEMU run as root (user = "root" or "+0", as onebox\'s install sets): no group to share with, whatever group is set', () => {
    assert.equal(qemuConfUser("user = 'root'\n"), 'root');
    assert.equal(qemuConfUser('#user = "root"\n'), undefined);
    const groupFile = join(dir, 'group');
    writeFileSync(groupFile, groups);
    const conf = join(dir, 'qemu-root.conf');
    for (const text of ['user = "root"\ngroup = "root"\n', 'user = "+0"\n', 'group = "kvm"\nuser = "root"\n']) {
      writeFileSync(conf, text);
      const g = qemuGroup(conf, groupFile);
      assert.deepEqual([g.runsAsRoot, g.gid], [true, undefined], text);
    }
    writeFileSync(conf, 'user = "libvirt-qemu"\n');
    assert.deepEqual([qemuGroup(conf, groupFile).runsAsRoot, qemuGroup(conf, groupFile).gid], [undefined, 64055]);
  });
});
