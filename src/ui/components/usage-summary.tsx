/** @jsxImportSource hono/jsx/dom */
/** Usage bars and instance counts for a set of hosts (a zone, a pool or one host). */
import { bytes, mib } from '../format.js';
import { href } from '../router.js';
import type { Usage } from '../zone.js';
import { UsageBar } from './usage-bar.js';

/** Cores and memory claimed against capacity, disk allocated, and instances by state. */
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
      <div class="usage-head">
        <span>Disk allocated</span>
        <span class="muted">{bytes(usage.diskBytes)}</span>
      </div>
    </div>
  );
}
