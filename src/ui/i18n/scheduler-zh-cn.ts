/** The scheduler's reasons for refusing a host, in Chinese (shared by no_host_available, migration_target_unfit and the Migrate dialog). */

/** One reason as the scheduler words it ("offline", "not enough vCPUs for 2 more (…)"); unknown wordings stay as they are. */
export function schedulerReasonZhCN(reason: string): string {
  const hosted = `host: ${reason}`;
  const zh = hostReasonZhCN(hosted);
  return zh === hosted ? reason : zh.slice('host：'.length);
}

/** One "host: reason" sentence of a refusal. */
export function hostReasonZhCN(r: string): string {
  return (
    r
      .replace(/^the pool has no hosts$/, '资源池中没有主机')
      .replace(/: not enough vCPUs \((\d+) of (\d+) vCPUs claimed — (\d+) cores? × (\d+) overcommit\)$/, '：vCPU 不足（已分配 $1 / $2 个 vCPU，$3 核 × $4 倍超分）')
      .replace(/: not enough memory \((.+) of (.+) claimed — (.+) × (\d+) overcommit\)$/, '：内存不足（已分配 $1 / $2，$3 × $4 倍超分）')
      .replace(/: not enough cores for (\d+) more \((\d+) of (\d+) vCPUs claimed — (\d+) cores? × (\d+) overcommit\)$/, '：vCPU 不足，无法再分配 $1 个（已分配 $2 / $3 个 vCPU，$4 核 × $5 倍超分）')
      .replace(/: not enough memory for (\d+) MiB more \((\d+) of (\d+) MiB claimed\)$/, '：内存不足，无法再分配 $1 MiB（已分配 $2 / $3 MiB）')
      .replace(/: not enough vCPUs for (\d+) more \((\d+) of (\d+) vCPUs claimed — (\d+) cores? × (\d+) overcommit\)$/, '：vCPU 不足，无法再分配 $1 个（已分配 $2 / $3 个 vCPU，$4 核 × $5 倍超分）')
      .replace(/: not enough memory for (\d+) MiB more \((.+) of (.+) claimed — (.+) × (\d+) overcommit\)$/, '：内存不足，无法再分配 $1 MiB（已分配 $2 / $3，$4 × $5 倍超分）')
      .replace(/: CPU load (\d+)% is above the pool's ceiling of (\d+)%$/, '：CPU 负载 $1% 超过资源池上限 $2%')
      .replace(/: network (.+) is not available on this host$/, '：此主机上没有可用的网络 $1')
      .replace(/: not enough free disk \((.+) free, the disks need (.+)\)$/, '：磁盘空间不足（剩余 $1，磁盘需要 $2）')
      .replace(/: not enough disk space$/, '：磁盘空间不足')
      .replace(/: thin disks would promise more than (\S+)× the storage \((.+) of (.+) promised\)$/, '：精简磁盘的承诺将超过存储的 $1 倍（已承诺 $2 / $3）')
      .replace(/: offline$/, '：离线')
      .replace(/: disabled for scheduling$/, '：已停止调度')
      .replace(/: not in the pool$/, '：不在此资源池中')
  );
}
