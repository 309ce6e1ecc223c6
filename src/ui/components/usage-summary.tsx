/** @jsxImportSource hono/jsx/dom */
/** Usage bars and instance counts for a set of hosts (a zone, a pool or one host). */
import { formatMiB } from '../../shared/capacity.js';
import { bytes, percent } from '../format.js';
import type { Column } from './data-table.js';
import { t } from '../i18n/index.js';
import { href } from '../router.js';
import type { Usage } from '../zone.js';
import { UsageBar } from './usage-bar.js';

/** "1 of 8 vCPUs claimed — 2 cores × 4 overcommit" (the scheduler's own words), or without the × part across pools that differ. */
export function vcpuDetail(u: Usage): string {
  return u.cpuOvercommit !== undefined ? t.usage.vcpuClaim(u.claimedCores, u.cpus, u.cpuOvercommit) : t.usage.vcpuClaimMixed(u.claimedCores, u.vcpus);
}

/** The same for memory. */
export function memoryDetail(u: Usage): string {
  return u.memoryOvercommit !== undefined
    ? t.usage.memoryClaim(u.claimedMemoryMiB, u.memoryMiB, u.memoryOvercommit)
    : t.usage.memoryClaimMixed(formatMiB(u.claimedMemoryMiB), formatMiB(u.memoryCapacityMiB));
}

/** The "vCPUs claimed" and "Memory claimed" columns of a table of hosts or pools, sorted by how full they are. */
export function claimColumns<T>(usage: (row: T) => Usage): Column<T>[] {
  return [
    {
      key: 'vcpus',
      label: t.usage.vcpus,
      sort: (r) => usage(r).claimedCores / Math.max(1, usage(r).vcpus),
      render: (r) => {
        const u = usage(r);
        return <UsageBar label="" used={u.claimedCores} total={u.vcpus} detail={vcpuDetail(u)} testId="vcpus-claimed" />;
      },
    },
    {
      key: 'memory',
      label: t.usage.memory,
      sort: (r) => usage(r).claimedMemoryMiB / Math.max(1, usage(r).memoryCapacityMiB),
      render: (r) => {
        const u = usage(r);
        return <UsageBar label="" used={u.claimedMemoryMiB} total={u.memoryCapacityMiB} detail={memoryDetail(u)} />;
      },
    },
  ];
}

/** vCPUs and memory claimed against what the pools' overcommit allows, disk used and allocated, and instances by state. */
export function UsageSummary({ usage, filter = '' }: { usage: Usage; filter?: string }) {
  const link = (state: string) => `${href('instances')}?state=${state}${filter}`;
  return (
    <div class="usage-summary">
      <div class="counts">
        <a class="count count-running" href={link('running')}>
          <strong>{usage.running}</strong> {t.usage.running}
        </a>
        <a class="count count-stopped" href={link('stopped')}>
          <strong>{usage.stopped}</strong> {t.usage.stopped}
        </a>
        <a class="count count-lost" href={link('lost')}>
          <strong>{usage.lost}</strong> {t.usage.lost}
        </a>
        {usage.other > 0 && (
          <span class="count">
            <strong>{usage.other}</strong> {t.usage.other}
          </span>
        )}
      </div>
      <UsageBar label={t.usage.vcpus} used={usage.claimedCores} total={usage.vcpus} detail={vcpuDetail(usage)} testId="vcpus-claimed" />
      <UsageBar label={t.usage.memory} used={usage.claimedMemoryMiB} total={usage.memoryCapacityMiB} detail={memoryDetail(usage)} />
      {usage.diskHosts > 0 && (
        <UsageBar
          label={usage.diskHosts < usage.hosts ? t.usage.diskUsedSome(usage.diskHosts, usage.hosts) : t.usage.diskUsed}
          used={usage.diskTotalBytes - usage.diskFreeBytes}
          total={usage.diskTotalBytes}
          detail={t.usage.diskDetail(
            bytes(usage.diskTotalBytes - usage.diskFreeBytes),
            bytes(usage.diskTotalBytes),
            percent(1 - usage.diskFreeBytes / usage.diskTotalBytes),
            bytes(usage.diskFreeBytes),
          )}
        />
      )}
      <div class="usage-head">
        <span>{t.usage.diskAllocated}</span>
        <span class="muted" title={t.usage.diskAllocatedHint}>
          {t.usage.diskVirtual(bytes(usage.diskBytes))}
        </span>
      </div>
    </div>
  );
}
