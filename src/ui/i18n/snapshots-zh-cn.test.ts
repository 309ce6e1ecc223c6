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
  assert.equal(zh('instance_has_snapshots', "Cannot grow a disk of instance 'web' while it has snapshots; delete its snapshots first."), '实例“web”有快照时不能扩大磁盘；请先删除它的快照。');
});
