/** The Chinese texts of an instance's snapshots panel, and the snapshot refusals; same shape as snapshots-en.ts. */
import type { ProblemTranslation } from './en.js';

export const snapshotsZhCN = {
  snapshots: {
    title: '快照',
    empty: '还没有快照。',
    hint: '快照保存磁盘当前的状态；勾选“包含内存”（运行中的客户机）时还保存客户机的内存，回滚后它会从原处继续运行。实例有快照时，不能添加、移除或扩大它的磁盘。',
    name: '名称',
    description: '描述',
    created: '创建时间',
    size: '大小',
    quiesced: '静默',
    quiescedYes: '是（客户机代理冻结了文件系统）',
    quiescedNo: '否',
    memory: '内存',
    memoryYes: (size: string) => `已保存（${size}）`,
    memoryNo: '否（仅磁盘）',
    includeMemory: '包含内存',
    includeMemoryHint: '写入内存期间客户机会暂停；回滚后它会从原处继续运行。',
    includeMemoryLocked: '只有运行中的客户机才有可保存的内存。',
    takeTask: (snapshot: string, name: string) => `为 ${name} 创建包含内存的快照 ${snapshot}`,
    current: '当前',
    currentHint: '磁盘位于此快照之上：新的写入在它之上。',
    take: '创建快照',
    takeButton: '创建快照…',
    takeTitle: (name: string) => `为 ${name} 创建快照`,
    takeHint: '停止或运行中均可：客户机代理响应时，运行中的客户机会被静默。',
    takeLocked: (state: string) => `实例处于停止、运行或暂停状态时才能创建快照（当前为${state}）。`,
    revert: '回滚',
    revertLocked: '请先停止实例：仅磁盘快照只能在停止时回滚。',
    revertTitle: (snapshot: string) => `回滚到快照 ${snapshot}？`,
    revertMessage: (name: string, snapshot: string) => `${name} 的磁盘将回到创建 ${snapshot} 时的状态。自当前快照以来写入的所有内容都会被丢弃；其他快照保留。`,
    revertMemoryMessage: (name: string, snapshot: string) =>
      `${name} 将回到创建 ${snapshot} 的那一刻（包括内存）：当前运行的客户机会被停止，然后从保存的状态继续运行（不重启）。自当前快照以来写入的所有内容都会被丢弃；其他快照保留。`,
    deleteTitle: (snapshot: string) => `删除快照 ${snapshot}？`,
    deleteMessage: (snapshot: string) => `快照 ${snapshot} 将被删除；其数据合并到上层文件中，因此磁盘当前的内容保持不变。合并需要复制数据，可能需要一些时间。`,
    deleteTask: (snapshot: string, name: string) => `删除 ${name} 的快照 ${snapshot}`,
  },
};

const q2 = (q: string[], f: (a: string, b: string) => string) => (q[0] !== undefined && q[1] !== undefined ? f(q[0], q[1]) : undefined);

/** Refusals about snapshots, by code. */
export const snapshotApiErrorsZhCN: Record<string, ProblemTranslation | undefined> = {
  snapshot_not_found: (q) => q2(q, (a, b) => `实例“${a}”没有快照“${b}”。`),
  snapshot_name_taken: (q) => q2(q, (a, b) => `实例“${a}”已有名为“${b}”的快照。`),
  snapshot_memory_needs_running: (q) => (q[0] !== undefined ? `实例“${q[0]}”没有运行，无法保存其内存：请先启动（或恢复）它，或创建仅磁盘快照（memory: false）。` : undefined),
  snapshot_memory_unsupported_storage: (q) => q2(q, (a, b) => `无法保存实例“${a}”的内存：其主机通过 QEMU 的 NFS 驱动访问 NFS 导出“${b}”，libvirt 无法在那里写入内存文件。请创建仅磁盘快照（memory: false），或让主机挂载该导出（内核 NFS 客户端并使用 onebox serve --nfs-mode mount）。`),
  snapshot_memory_failed: (q) => q2(q, (a, b) => `未能在快照“${b}”中保存实例“${a}”的内存；没有任何改变（服务器日志说明了原因）。请改为创建仅磁盘快照（memory: false）。`),
  snapshot_restore_failed: (q) => q2(q, (a, b) => `实例“${a}”未能从快照“${b}”的内存恢复运行（服务器日志说明了原因）；它的磁盘已回到该快照，实例处于停止状态：启动它即可从这些磁盘引导。`),
  instance_has_snapshots: hasSnapshotsZhCN,
  snapshot_has_children: (q) => q2(q, (s, a) => `实例“${a}”的快照“${s}”是分支点（有多个快照或当前磁盘位于其上）；请先删除其中一个子快照或回滚到别处。`),
};

const blockedBySnapshots: Record<string, string> = {
  'add a disk to': '添加磁盘',
  'grow a disk of': '扩大磁盘',
  'remove a disk from': '移除磁盘',
  'make an image from': '制作镜像',
  'compact a disk of': '压缩磁盘',
  'reset the system disk of': '重置系统盘',
  clone: '克隆',
};

/** instance_has_snapshots, naming what was refused ("Cannot clone instance 'a' while it has snapshots; …"). */
function hasSnapshotsZhCN(q: string[], detail: string): string | undefined {
  const what = blockedBySnapshots[/^Cannot (.+) instance '/.exec(detail)?.[1] ?? ''];
  return q[0] !== undefined ? `实例“${q[0]}”有快照时不能${what ?? '添加、移除或扩大磁盘'}；请先删除它的快照。` : undefined;
}

/** instance_must_be_stopped of a revert or of a stopped-only snapshot delete; undefined for other wordings. */
export function snapshotStoppedZhCN(q: string[], detail: string): string | undefined {
  if (/^Stop instance '.+' before reverting it to snapshot '.+'/.test(detail)) return q2(q, (a, s) => `实例“${a}”未停止；请先停止它再回滚到快照“${s}”。`);
  if (/^Stop instance '.+' to delete snapshot '.+': snapshot/.test(detail)) return q2(q, (a, s) => `请先停止实例“${a}”再删除快照“${s}”：其上的快照是分支点，只有在停止时合并才能保持完整。`);
  return undefined;
}

/** Sentences of the snapshot schema (shared/snapshots.ts). */
export const snapshotSentencesZhCN: Record<string, string> = {
  'Give the snapshot a name.': '请为快照命名。',
  'The name is at most 64 characters.': '名称最多 64 个字符。',
  'The description is at most 1000 characters.': '描述最多 1000 个字符。',
  'Another snapshot of this instance has this name.': '该实例的另一个快照已使用此名称。',
  'Only disk-only snapshots are offered.': '仅提供仅磁盘快照。',
};
