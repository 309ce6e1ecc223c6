/** @jsxImportSource hono/jsx/dom */
/** Live usage of an instance, polled every 2 s; hidden when the API has no stats endpoint. */
import { useRef, useState } from 'hono/jsx/dom';
import { useEffect } from '../hooks.js';
import type { Instance, InstanceStats } from '../../shared/api-types.js';
import { api, ApiError } from '../api.js';
import { bytes, mib, rate } from '../format.js';
import { t } from '../i18n/index.js';
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
    <section class="card" aria-label={t.stats.title}>
      <h2>{t.stats.title}</h2>
      {!running && <p class="muted">{t.stats.notRunning}</p>}
      {running && !latest && <p class="muted">{t.stats.waiting}</p>}
      {running && latest && (
        <div class="stats">
          <UsageBar
            label={t.stats.cpu}
            used={Math.min(100, latest.cpuPercent)}
            total={100}
            detail={t.stats.cpuDetail(Math.round(latest.cpuPercent), instance.cores)}
          />
          <dl class="kv kv-compact">
            <dt>{t.stats.memory}</dt>
            <dd>
              {mib(latest.memoryMiB)} <span class="muted">{t.stats.memoryAssigned}</span>
            </dd>
            <dt>{t.stats.diskRead}</dt>
            <dd>{rates ? rate(rates.diskRead) : '…'} <span class="muted">{t.stats.total(bytes(latest.diskReadBytes))}</span></dd>
            <dt>{t.stats.diskWrite}</dt>
            <dd>{rates ? rate(rates.diskWrite) : '…'} <span class="muted">{t.stats.total(bytes(latest.diskWriteBytes))}</span></dd>
            <dt>{t.stats.netIn}</dt>
            <dd>{rates ? rate(rates.netRx) : '…'} <span class="muted">{t.stats.total(bytes(latest.netRxBytes))}</span></dd>
            <dt>{t.stats.netOut}</dt>
            <dd>{rates ? rate(rates.netTx) : '…'} <span class="muted">{t.stats.total(bytes(latest.netTxBytes))}</span></dd>
          </dl>
        </div>
      )}
    </section>
  );
}
