/** The Chinese wordings of a migration target's refusal, from the API's exact English sentences. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quotedValues } from './index.js';
import { schedulerReasonZhCN } from './scheduler-zh-cn.js';
import { zhCN } from './zh-cn.js';

const zh = (code: string, detail: string) => zhCN.apiErrors[code]?.(quotedValues(detail), detail);

test('migration_target_unfit reads in Chinese with the host, the instance and each reason', () => {
  assert.equal(zh('migration_target_unfit', "Host 'peer' cannot take instance 'web' (1 cores, 128 MiB): offline."), '主机“peer”无法容纳实例“web”（1 个 vCPU，128 MiB）：离线。');
  assert.equal(
    zh('migration_target_unfit', "Host 'b' cannot take instance 'web' (2 cores, 1024 MiB): not enough vCPUs for 2 more (8 of 8 vCPUs claimed — 2 cores × 4 overcommit); network lan is not available on this host."),
    '主机“b”无法容纳实例“web”（2 个 vCPU，1024 MiB）：vCPU 不足，无法再分配 2 个（已分配 8 / 8 个 vCPU，2 核 × 4 倍超分）；此主机上没有可用的网络 lan。',
  );
  assert.equal(zh('migration_target_unfit', "Host 'b' cannot take instance 'web' (1 cores, 64 MiB): it is not in pool 'default'."), '主机“b”无法容纳实例“web”（1 个 vCPU，64 MiB）：它不在资源池“default”中。');
});

test("the scheduler's bare reasons (the Migrate dialog's) read in Chinese; an unknown wording stays", () => {
  assert.equal(schedulerReasonZhCN('disabled for scheduling'), '已停止调度');
  assert.equal(schedulerReasonZhCN('not enough memory for 512 MiB more (7.5 GiB of 8.0 GiB claimed — 8.0 GiB × 1 overcommit)'), '内存不足，无法再分配 512 MiB（已分配 7.5 GiB / 8.0 GiB，8.0 GiB × 1 倍超分）');
  assert.equal(schedulerReasonZhCN('something new'), 'something new');
});

test('a cancelled cold migration and a cancelled evacuation read in Chinese with the name and the counts', () => {
  assert.equal(zh('migration_cancelled', "The migration of instance 'web' was cancelled; it stays stopped on its host."), '实例“web”的迁移已取消；它仍以停止状态留在原主机上。');
  assert.equal(
    zh('evacuation_cancelled', "Evacuating host 'a' was cancelled: 1 of 3 instances moved, the others stay on it (still disabled for scheduling)."),
    '主机“a”的疏散已取消：3 个实例中已移走 1 个，其余留在该主机上（仍停用调度）。',
  );
});
