/** 批量操作的中文文本（与 batch-en.ts 结构相同）。 */
import { QOS_LIMITS, qosLimitSentences } from '../../shared/qos.js';
import type { ProblemTranslation } from './en.js';

export const batchZhCN = {
  batch: {
    select: (name: string) => `选择 ${name}`,
    selectAll: '选择所有显示的实例',
    selected: (n: number) => `已选择 ${n} 个`,
    clear: '清除选择',
    toolbar: '所选实例',
    confirmForceStop: (n: number) => `强制关闭 ${n} 个实例？`,
    confirmForceStopMessage: '相当于拔掉电源：客户机中未保存的数据可能丢失。',
    confirmDelete: (n: number) => `删除 ${n} 个实例？`,
    confirmDeleteMessage: (names: string) => `这将关闭并删除 ${names} 及其磁盘，且无法撤销。`,
    results: '批量操作结果',
    progress: (done: number, total: number) => `已完成 ${done} / ${total}`,
    summary: (ok: number, failed: number) => `${ok} 个成功，${failed} 个失败`,
    item: '实例',
    itemState: '结果',
    states: { queued: '等待中', running: '进行中', succeeded: '完成', failed: '失败' } as Record<string, string>,
    dismiss: '关闭',
    count: '数量',
    countHint: '大于 1 时，名称作为前缀，实例依次命名为 前缀-1、前缀-2……',
    namePrefix: '名称前缀',
    task: (n: number, prefix: string) => `创建 ${n} 个实例 ${prefix}-1 … ${prefix}-${n}`,
    countTooBig: (max: number) => `一次最多 ${max} 个。`,
  },
  qos: {
    title: 'QoS',
    cpuPriority: 'CPU 优先级',
    priorities: { high: '高', medium: '中', low: '低' } as Record<string, string>,
    diskRead: '磁盘读取（MiB/s）',
    diskWrite: '磁盘写入（MiB/s）',
    readIops: '磁盘读取（IOPS）',
    writeIops: '磁盘写入（IOPS）',
    netIn: '网络入站（KiB/s）',
    netOut: '网络出站（KiB/s）',
    noLimit: '不限制',
    hint: '留空表示不限制。运行中的实例会立即生效。',
    line: (priority: string, limits: string[]) => `CPU 优先级：${priority}${limits.length ? ` · ${limits.join(' · ')}` : ' · 无限制'}`,
    diskReadLimit: (v: string) => `磁盘读取 ${v}`,
    diskWriteLimit: (v: string) => `磁盘写入 ${v}`,
    readIopsLimit: (n: number) => `读取 ${n} IOPS`,
    writeIopsLimit: (n: number) => `写入 ${n} IOPS`,
    netInLimit: (n: number) => `入站 ${n} KiB/s`,
    netOutLimit: (n: number) => `出站 ${n} KiB/s`,
  },
};

/** Sentences of the batch schema. */
export const batchSentencesZhCN: Record<string, string> = {
  'Give at least one name.': '请至少给出一个名称。',
  'Give either names or namePrefix with count.': '请给出名称列表，或名称前缀加数量（二选一）。',
  'Give count with namePrefix.': '使用名称前缀时请给出数量。',
  'A name prefix must have at most 56 characters (room for "-" and a number).': '名称前缀最多 56 个字符（要留出“-”和编号的位置）。',
};

/** How the QoS sentences name each limit and its unit in Chinese. */
const QOS_LIMITS_ZH: Record<keyof typeof QOS_LIMITS, { what: string; unit: string }> = {
  diskReadBytesSec: { what: '磁盘读取限制', unit: '字节/秒' },
  diskWriteBytesSec: { what: '磁盘写入限制', unit: '字节/秒' },
  diskReadIops: { what: '磁盘读取 IOPS 限制', unit: 'IOPS' },
  diskWriteIops: { what: '磁盘写入 IOPS 限制', unit: 'IOPS' },
  netInKbps: { what: '网络入站限制', unit: 'KiB/s' },
  netOutKbps: { what: '网络出站限制', unit: 'KiB/s' },
};

/** Sentences of the QoS schema: the CPU priority and, per limit, the three its check can say (built like the English ones). */
export const qosSentencesZhCN: Record<string, string> = {
  'The CPU priority must be high, medium or low.': 'CPU 优先级必须是 high、medium 或 low。',
  ...Object.fromEntries(
    (Object.keys(QOS_LIMITS) as (keyof typeof QOS_LIMITS)[]).flatMap((key) => {
      const en = qosLimitSentences(QOS_LIMITS[key]);
      const { what, unit } = QOS_LIMITS_ZH[key];
      return [
        [en.whole, `${what}必须是整数（${unit}）。`],
        [en.min, `${what}至少为 1 ${unit}；不限制请留空。`],
        [en.max, `${what}最多为 ${QOS_LIMITS[key].max} ${unit}。`],
      ];
    }),
  ),
};

/** Batch refusals, by code. */
export const batchApiErrorsZhCN: Record<string, ProblemTranslation | undefined> = {
  batch_too_large: (_q, d) => {
    const m = /at most (\d+) items, not (\d+)/.exec(d);
    return m ? `一个批量操作最多 ${m[1]} 项，而不是 ${m[2]} 项；请分批进行。` : undefined;
  },
  batch_items_failed: (_q, d) => {
    const m = /^(\d+) of (\d+) items failed/.exec(d);
    return m ? `${m[2]} 项中有 ${m[1]} 项失败；每项的错误见结果列表。` : undefined;
  },
};
