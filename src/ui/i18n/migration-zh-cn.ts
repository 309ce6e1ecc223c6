/** The Chinese texts of migrating an instance and evacuating a host, and the migration refusals; same shape as migration-en.ts. */
import type { ProblemTranslation } from './en.js';
import { schedulerReasonZhCN } from './scheduler-zh-cn.js';

export const migrationZhCN = {
  migrate: {
    button: '迁移…',
    title: (name: string) => `迁移 ${name}`,
    hint: '将实例移到同一资源池的另一台主机。已停止时：共享存储上的磁盘保持不动，本地磁盘文件会被复制；复制完成之前实例留在原处。',
    host: '目标主机',
    choose: '选择主机',
    why: {
      current: '当前所在主机',
    },
    unfit: (host: string, why: string) => `${host} — ${why}`,
    reason: schedulerReasonZhCN,
    reasonSeparator: '；',
    checking: '正在检查各主机能否容纳它…',
    live: '在线迁移（保持运行）',
    liveHint: '实例正在运行：只能通过在线迁移移动；否则请先停止它。',
    submit: '迁移',
    unavailable: '只有已停止或运行中的实例可以迁移。',
    noHosts: '此资源池中没有其他主机可以容纳它。',
    task: (name: string, host: string) => `将 ${name} 迁移到 ${host}`,
  },
  evacuate: {
    button: '疏散…',
    title: (host: string) => `疏散 ${host}？`,
    message: (host: string, count: number) =>
      `先停用 ${host} 上的调度，然后将其上的 ${count} 个实例逐个移到资源池中的其他主机：已停止的冷迁移，运行中的在线迁移。无法移动的实例报告各自的错误，其余实例继续。`,
    confirm: '疏散',
    task: (host: string) => `疏散 ${host}`,
  },
};

const q2 = (q: string[], f: (a: string, b: string) => string) => (q[0] !== undefined && q[1] !== undefined ? f(q[0], q[1]) : undefined);

/** Refusals of a migration or an evacuation, by code. */
export const migrationApiErrorsZhCN: Record<string, ProblemTranslation | undefined> = {
  migration_same_host: (q, d) =>
    d.startsWith('Host ') ? (q[0] !== undefined ? `主机“${q[0]}”不能疏散到它自己；请选择资源池中的另一台主机，或不指定，由调度器选择。` : undefined) : q2(q, (a, h) => `实例“${a}”已在主机“${h}”上；请选择资源池中的另一台主机。`),
  migration_target_unfit: (q, d) => {
    const m = /^Host '[^']*' cannot take instance '[^']*' \((\d+) cores, (\d+) MiB\): (.*)\.$/.exec(d);
    if (!m || q[1] === undefined) return undefined;
    const pool = /^it is not in pool '(.*)'$/.exec(m[3]);
    const why = pool ? `它不在资源池“${pool[1]}”中` : m[3].split('; ').map(schedulerReasonZhCN).join('；');
    return `主机“${q[0]}”无法容纳实例“${q[1]}”（${m[1]} 个 vCPU，${m[2]} MiB）：${why}。`;
  },
  migration_unsupported: (q) => (q[0] !== undefined ? `实例“${q[0]}”的磁盘文件无法迁移到另一台主机。` : undefined),
  migration_cancelled: (q) => (q[0] !== undefined ? `实例“${q[0]}”的迁移已取消；它仍以停止状态留在原主机上。` : undefined),
  evacuation_cancelled: (q, d) => {
    const m = /cancelled: (\d+) of (\d+) instances moved/.exec(d);
    return m && q[0] !== undefined ? `主机“${q[0]}”的疏散已取消：${m[2]} 个实例中已移走 ${m[1]} 个，其余留在该主机上（仍停用调度）。` : undefined;
  },
};

/** instance_must_be_stopped of a migration of a running instance; undefined for other wordings. */
export function migrationStoppedZhCN(q: string[], detail: string): string | undefined {
  if (!/stop it first to migrate it stopped/.test(detail) || q[0] === undefined) return undefined;
  return `实例“${q[0]}”正在运行；请先停止它再迁移，或使用在线迁移（"live": true）。`;
}
