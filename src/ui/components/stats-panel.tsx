/** @jsxImportSource hono/jsx/dom */
/** Live usage of an instance, polled every 2 s; hidden when the API has no stats endpoint. */
import { useRef, useState } from 'hono/jsx/dom';
import { useEffect } from '../hooks.js';
import type { Instance, InstanceStats } from '../../shared/api-types.js';
import { api, ApiError } from '../api.js';
import { bytes, mib, rate } from '../format.js';
import { UsageBar } from './usage-bar.js';

interface Sample {
  at: number;
  stats: InstanceStats;
}

interface Rates {
  diskRead: number;
  diskWrite: number;
  netRx: number;
  netTx: number;
}

const perSecond = (a: number, b: number, seconds: number) => Math.max(0, (b - a) / seconds);

/** Polls `instances/:id/stats` while the instance runs. */
export function StatsPanel({ instance }: { instance: Instance }) {
  const [latest, setLatest] = useState<InstanceStats | undefined>(undefined);
  const [rates, setRates] = useState<Rates | undefined>(undefined);
  const [missing, setMissing] = useState(false);
  const previous = useRef<Sample | null>(null);
  const running = instance.state === 'running';

  useEffect(() => {
    if (!running || missing) return;
    let alive = true;
    const poll = async () => {
      try {
        const stats = await api.instances.stats(instance.id);
        if (!alive) return;
        const now = performance.now();
        const prev = previous.current;
        if (prev) {
          const s = Math.max(0.5, (now - prev.at) / 1000);
          setRates({
            diskRead: perSecond(prev.stats.diskReadBytes, stats.diskReadBytes, s),
            diskWrite: perSecond(prev.stats.diskWriteBytes, stats.diskWriteBytes, s),
            netRx: perSecond(prev.stats.netRxBytes, stats.netRxBytes, s),
            netTx: perSecond(prev.stats.netTxBytes, stats.netTxBytes, s),
          });
        }
        previous.current = { at: now, stats };
        setLatest(stats);
      } catch (err) {
        if (alive && err instanceof ApiError && err.status === 404 && err.code === 'route_not_found') setMissing(true);
      }
    };
    void poll();
    const timer = setInterval(poll, 2000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [instance.id, running, missing]);

  if (missing) return null;
  return (
    <section class="card" aria-label="Live usage">
      <h2>Live usage</h2>
      {!running && <p class="muted">Usage is shown while the instance runs.</p>}
      {running && !latest && <p class="muted">Waiting for the first sample…</p>}
      {running && latest && (
        <div class="stats">
          <UsageBar
            label="CPU"
            used={Math.min(100, latest.cpuPercent)}
            total={100}
            format={String}
            detail={`${Math.round(latest.cpuPercent)}% of ${instance.cores} ${instance.cores === 1 ? 'core' : 'cores'}`}
          />
          <dl class="kv kv-compact">
            <dt>Memory</dt>
            <dd>
              {mib(latest.memoryMiB)} <span class="muted">assigned to the guest</span>
            </dd>
            <dt>Disk read</dt>
            <dd>{rates ? rate(rates.diskRead) : '…'} <span class="muted">({bytes(latest.diskReadBytes)} total)</span></dd>
            <dt>Disk write</dt>
            <dd>{rates ? rate(rates.diskWrite) : '…'} <span class="muted">({bytes(latest.diskWriteBytes)} total)</span></dd>
            <dt>Network in</dt>
            <dd>{rates ? rate(rates.netRx) : '…'} <span class="muted">({bytes(latest.netRxBytes)} total)</span></dd>
            <dt>Network out</dt>
            <dd>{rates ? rate(rates.netTx) : '…'} <span class="muted">({bytes(latest.netTxBytes)} total)</span></dd>
          </dl>
        </div>
      )}
    </section>
  );
}
