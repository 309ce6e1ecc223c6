/** The Chinese texts of cloning an instance; same shape as clone-en.ts. */

export const cloneZhCN = {
  clone: {
    button: '克隆…',
    title: (name: string) => `克隆 ${name}`,
    hint: '在同一主机上创建一个已停止的新实例：复制每块磁盘，使用自己的 MAC 和地址，以及新的 cloud-init 实例 ID。',
    liveHint: '实例保持运行：复制期间由临时快照冻结其磁盘，完成后再合并回去。',
    name: '克隆的名称',
    mode: '磁盘',
    linked: '链接到镜像（快速、占用小）',
    full: '完整复制（不依赖镜像）',
    submit: '克隆',
    unavailable: '只有已停止、运行中或已暂停的实例可以克隆。',
    task: (clone: string, source: string) => `将 ${source} 克隆为 ${clone}`,
  },
};
