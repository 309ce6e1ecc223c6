/** The Chinese texts of an instance's disks panel (same shape as disks-en.ts), its schema sentences and its refusals. */
import type { disksEn } from './disks-en.js';
import type { ProblemTranslation } from './en.js';

export const disksZhCN: typeof disksEn = {
  disks: {
    title: '磁盘',
    device: '设备',
    role: '用途',
    roleSystem: '系统盘',
    roleData: '数据盘',
    size: '容量',
    allocated: '主机上已占用',
    format: '格式',
    backing: '后备镜像',
    unknown: '未知',
    none: '无',
    add: '添加磁盘',
    addTitle: (name: string) => `为 ${name} 添加空白磁盘`,
    sizeGiB: '容量 (GiB)',
    addHint: '运行中的实例会立即获得该磁盘（热插拔）；客户机仍需自行分区和格式化。',
    grow: '扩容',
    growTitle: (device: string) => `扩容磁盘 ${device}`,
    growHint: (current: string) => `当前 ${current}。磁盘只能扩大；客户机仍需自行扩展分区和文件系统。`,
    remove: '移除',
    removeTitle: (device: string) => `移除磁盘 ${device}？`,
    removeMessage: (device: string) => `磁盘 ${device} 将从实例上卸下，其数据将被删除，且无法恢复。运行中的客户机须先释放该磁盘。`,
    locked: (state: string) => `实例处于${state}状态时不能更改磁盘。`,
    tooMany: '该实例已有 8 块数据盘。',
  },
};

/** Sentences of the disk schemas. */
export const diskSentencesZhCN: Record<string, string> = {
  'The size is a whole number of GiB.': '容量必须是整数 GiB。',
  'The size must be at least 1 GiB.': '容量至少为 1 GiB。',
  'The size must be at most 65536 GiB.': '容量最多为 65536 GiB。',
  'Disks only grow: give at least the current size.': '磁盘只能扩大：请输入不小于当前容量的值。',
  'More than the free space of the host.': '超出主机的可用空间。',
};

const q1 = (q: string[], f: (a: string) => string) => (q[0] !== undefined ? f(q[0]) : undefined);

/** Refusals about disks, by code. */
export const diskApiErrorsZhCN: Record<string, ProblemTranslation | undefined> = {
  disk_not_found: (q) => (q[0] !== undefined && q[1] !== undefined ? `实例“${q[0]}”没有磁盘“${q[1]}”。` : undefined),
  too_many_disks: (q) => q1(q, (a) => `实例“${a}”的数据盘已达上限（8 块）。`),
  system_disk_not_removable: (q) => q1(q, (a) => `实例“${a}”的系统盘不能移除；请删除整个实例。`),
  disk_cannot_shrink: (q, d) => {
    const m = /^Disk (\S+) .* is ([\d.]+) GiB and cannot shrink to (\d+) GiB/.exec(d);
    return q[0] !== undefined && m ? `实例“${q[0]}”的磁盘 ${m[1]} 为 ${m[2]} GiB，不能缩小到 ${m[3]} GiB（磁盘只能扩大）。` : undefined;
  },
  instance_has_snapshots: (q) => q1(q, (a) => `实例“${a}”有快照时不能添加、移除或扩大磁盘；请先删除它的快照。`),
  disk_change_refused: (q) => q1(q, (a) => `实例“${a}”的磁盘未能更改（被虚拟化层或客户机拒绝），未删除任何内容。若客户机正在使用该磁盘，请先卸载，或停止实例后再试。`),
};
