/** The Chinese texts of an instance's guest panel and of the data-disk formatting fields (same shape as guest-en.ts), their schema sentences and refusals. */
import type { guestEn } from './guest-en.js';
import type { ProblemTranslation } from './en.js';

export const guestZhCN: typeof guestEn = {
  guest: {
    title: '客户机',
    agent: '客户机代理',
    agentAvailable: '可用',
    agentUnavailable: '不可用',
    agentUnavailableHint: '客户机没有运行 QEMU 客户机代理、仍在启动或实例未运行：主机名、操作系统和设置密码都需要它。',
    hostname: '主机名',
    os: '操作系统',
    kernel: '内核',
    unknown: '未报告',
    setPassword: '设置客户机密码',
    setPasswordTitle: (name: string) => `为 ${name} 设置客户机密码`,
    setPasswordHint: '通过客户机代理设置运行中客户机内某个用户的密码。用户留空则使用镜像的默认用户（镜像未指定时为 root）。',
    username: '客户机用户（可选）',
    password: '新密码',
    passwordSet: (user: string) => `已设置 ${user} 的密码。`,
    runningOnly: '只有运行中且有客户机代理的实例才能设置密码。',
  },
  dataDiskFormat: {
    filesystem: '文件系统',
    none: '无（保持空白）',
    mountPoint: '挂载点（可选）',
    hint: 'cloud-init 在首次启动时格式化该磁盘（不会覆盖已有文件系统）并挂载；需要来自镜像的系统盘。',
    disk: (n, size) => `数据盘 ${n}（${size} GiB）`,
  },
};

/** Sentences of the guest and data-disk schemas. */
export const guestSentencesZhCN: Record<string, string> = {
  'The guest user must be a Linux login name: a lower-case letter or "_" first, then lower-case letters, digits, "_" or "-", 32 characters at most.':
    '客户机用户必须是 Linux 登录名：以小写字母或“_”开头，其后为小写字母、数字、“_”或“-”，最多 32 个字符。',
  'The password must not contain control characters (line breaks, tabs).': '密码不能包含控制字符（换行、制表符）。',
  'The filesystem must be ext4 or xfs.': '文件系统必须是 ext4 或 xfs。',
  'A mount point must have at most 200 characters.': '挂载点最多 200 个字符。',
  'A mount point is an absolute path of letters, digits, ".", "_", "-" and "/", like /data.': '挂载点必须是由字母、数字、“.”、“_”、“-”和“/”组成的绝对路径，例如 /data。',
  'A mount point has no empty, "." or ".." parts (no "//", no trailing "/").': '挂载点不能含有空的、“.”或“..”路径段（不能有“//”，不能以“/”结尾）。',
  'That is a system directory of the guest (/, /etc, /usr, /var, …); mount data disks elsewhere, like /data.': '这是客户机的系统目录（/、/etc、/usr、/var 等）；请把数据盘挂载到其他位置，例如 /data。',
  'A mount point needs a filesystem (ext4 or xfs) to mount.': '挂载点需要先选择文件系统（ext4 或 xfs）。',
  'The guest refused this user.': '客户机拒绝了该用户。',
};

const q1 = (q: string[], f: (a: string) => string) => (q[0] !== undefined ? f(q[0]) : undefined);

/** Refusals about the guest agent and data-disk formatting, by code. */
export const guestApiErrorsZhCN: Record<string, ProblemTranslation | undefined> = {
  guest_agent_unavailable: (q) => q1(q, (a) => `实例“${a}”的客户机代理没有响应；客户机可能仍在启动，或没有运行 QEMU 客户机代理。`),
  guest_password_refused: (q) => (q[0] !== undefined && q[1] !== undefined ? `实例“${q[0]}”的客户机拒绝设置用户“${q[1]}”的密码；该用户在客户机中存在吗？` : undefined),
  mount_point_invalid: () => '数据盘的挂载点无效：须为绝对路径、不能是系统目录，且不能与其他数据盘重复。',
};
