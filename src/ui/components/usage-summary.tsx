/** @jsxImportSource hono/jsx/dom */
/** Usage bars and instance counts for a set of hosts (a zone, a pool or one host). */
import { bytes, mib, percent } from '../format.js';
import { href } from '../router.js';
import type { Usage } from '../zone.js';
import { UsageBar } from './usage-bar.js';

/** Cores and memory claimed against capacity, disk used and allocated, and instances by state. */
export function UsageSummary({ usage, filter = '' }: { usage: Usage; filter?: string }) {
  const link = (state: string) => `${href('instances')}?state=${state}${filter}`;
  return (
    <div class="usage-summary">
      <div class="counts">
        <a class="count count-running" href={link('running')}>
          <strong>{usage.running}</strong> running
        </a>
        <a class="count count-stopped" href={link('stopped')}>
          <strong>{usage.stopped}</strong> stopped
        </a>
        <a class="count count-lost" href={link('lost')}>
          <strong>{usage.lost}</strong> lost
        </a>
        {usage.other > 0 && (
          <span class="count">
            <strong>{usage.other}</strong> other
          </span>
        )}
      </div>
      <UsageBar label="Cores claimed" used={usage.claimedCores} total={usage.cpus} format={(n) => String(n)} />
      <UsageBar label="Memory claimed" used={usage.claimedMemoryMiB} total={usage.memoryMiB} format={mib} />
      {usage.diskHosts > 0 && (
        <UsageBar
          label={usage.diskHosts < usage.hosts ? `Disk used (${usage.diskHosts} of ${usage.hosts} hosts report it)` : 'Disk used'}
          used={usage.diskTotalBytes - usage.diskFreeBytes}
          total={usage.diskTotalBytes}
          format={bytes}
          detail={`${bytes(usage.diskTotalBytes - usage.diskFreeBytes)} / ${bytes(usage.diskTotalBytes)} · ${percent(1 - usage.diskFreeBytes / usage.diskTotalBytes)} · ${bytes(usage.diskFreeBytes)} free`}
        />
      )}
      <div class="usage-head">
        <span>Disk allocated to instances</span>
        <span class="muted" title="The virtual sizes of the instances' system disks, which they may grow to.">
          {bytes(usage.diskBytes)} virtual
        </span>
      </div>
    </div>
  );
}
