/** The Chinese wordings of the snapshot refusals, from the API's exact English sentences. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quotedValues } from './index.js';
import { zhCN } from './zh-cn.js';

const zh = (code: string, detail: string) => zhCN.apiErrors[code]?.(quotedValues(detail), detail);

test('snapshot refusals read in Chinese with their names', () => {
  assert.equal(zh('snapshot_not_found', "Instance 'web' has no snapshot 'old'."), '实例“web”没有快照“old”。');
  assert.equal(zh('snapshot_name_taken', "Instance 'web' already has a snapshot named 'first'."), '实例“web”已有名为“first”的快照。');
  assert.match(zh('snapshot_has_children', "Snapshot 'first' of instance 'web' is a branch point ('second' and the current disks sit on it); delete 'second' or revert elsewhere first.") ?? '', /^实例“web”的快照“first”是分支点/);
  assert.equal(zh('instance_must_be_stopped', "Stop instance 'web' before reverting it to snapshot 'first' (it is running)."), '实例“web”未停止；请先停止它再回滚到快照“first”。');
  assert.equal(zh('instance_must_be_stopped', "Instance 'web' is running; stop it first to clone it."), '实例“web”未停止；请先停止它再克隆。');
  assert.equal(zh('instance_has_snapshots', "Cannot clone instance 'web' while it has snapshots; delete its snapshots first."), '实例“web”有快照时不能克隆；请先删除它的快照。');
  assert.equal(
    zh('snapshot_memory_needs_running', "Cannot save the memory of instance 'web' while it is stopped: start it (or resume it), or take a disk-only snapshot (memory: false)."),
    '实例“web”没有运行，无法保存其内存：请先启动（或恢复）它，或创建仅磁盘快照（memory: false）。',
  );
  assert.match(
    zh('snapshot_memory_unsupported_storage', "Cannot save the memory of instance 'web': its host reaches NFS export '10.0.0.5:/srv/onebox' through the NFS driver of QEMU, where libvirt cannot write the memory file. Take a disk-only snapshot (memory: false), or let the host mount the export (a kernel NFS client and onebox serve --nfs-mode mount).") ?? '',
    /^无法保存实例“web”的内存：其主机通过 QEMU 的 NFS 驱动访问 NFS 导出“10.0.0.5:\/srv\/onebox”/,
  );
  assert.match(zh('snapshot_memory_failed', "The memory of instance 'web' could not be saved in snapshot 'm1'; nothing changed (the server log says why). Take a disk-only snapshot (memory: false) instead.") ?? '', /^未能在快照“m1”中保存实例“web”的内存/);
  assert.match(zh('snapshot_restore_failed', "Instance 'web' could not resume from the memory of snapshot 'm1' (the server log says why); its disks are back at the snapshot and it is stopped: start it to boot from them.") ?? '', /^实例“web”未能从快照“m1”的内存恢复运行/);
  assert.equal(zh('instance_has_snapshots', "Cannot grow a disk of instance 'web' while it has snapshots; delete its snapshots first."), '实例“web”有快照时不能扩大磁盘；请先删除它的快照。');
});
