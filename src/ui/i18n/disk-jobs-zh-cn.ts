/** The Chinese texts of the disk work on a stopped instance, and its refusals; same shape as disk-jobs-en.ts. */
import type { ProblemTranslation } from './en.js';

export const diskJobsZhCN = {
  diskJobs: {
    title: '镜像与系统盘',
    mustBeStopped: '请先停止实例：制作镜像、重置系统盘和压缩磁盘都需要实例处于停止状态。',
    createImageButton: '制作镜像…',
    createImage: '制作镜像',
    createImageTitle: (name: string) => `从 ${name} 制作镜像`,
    createImageHint: '系统盘将被合并并压缩为新镜像；完成之前实例处于忙碌状态。完成后镜像出现在镜像页面。',
    imageName: '镜像名称',
    description: '描述',
    osType: '操作系统',
    imageTask: (image: string, name: string) => `从 ${name} 制作镜像 ${image}`,
    reset: '重置系统盘',
    resetHint: '用其镜像的全新副本替换系统盘。',
    noImage: '该实例创建时使用的是空白磁盘，没有可用于重置的镜像。',
    resetTitle: (name: string) => `重置 ${name} 的系统盘？`,
    resetMessage: '系统盘将被替换为创建实例时所用镜像的全新副本，写入系统盘的所有内容都会丢失。数据盘保持不变。下次启动时 cloud-init 会重新运行（新的 instance-id）。',
    resetTask: (name: string) => `重置 ${name} 的系统盘`,
    compact: '压缩',
    compactHint: '重写磁盘并去除未使用的空间（实例必须处于停止状态）。',
    compactTask: (device: string, name: string) => `压缩 ${name} 的 ${device}`,
  },
};

const q1 = (q: string[], f: (a: string) => string) => (q[0] !== undefined ? f(q[0]) : undefined);

/** Refusals of the disk work, by code. */
export const diskJobsApiErrorsZhCN: Record<string, ProblemTranslation | undefined> = {
  instance_has_no_image: (q) => q1(q, (a) => `实例“${a}”创建时使用的是空白系统盘，没有可用于重置的镜像。`),
  instance_image_gone: (q) => q1(q, (a) => `创建实例“${a}”所用的镜像已被删除，无法重置其系统盘。`),
};

const stoppedFor: Record<string, string> = { 'make an image from': '制作镜像', 'compact a disk of': '压缩磁盘', 'reset the system disk of': '重置系统盘', clone: '克隆' };

/** instance_must_be_stopped of the disk work ("… stop it first to make an image from it."); undefined for other wordings. */
export function diskJobsStoppedZhCN(q: string[], detail: string): string | undefined {
  const what = /stop it first to (.+) it\.$/.exec(detail)?.[1];
  return q[0] !== undefined && what && stoppedFor[what] ? `实例“${q[0]}”未停止；请先停止它再${stoppedFor[what]}。` : undefined;
}
