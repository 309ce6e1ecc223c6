/** @jsxImportSource hono/jsx/dom */
/**
 * The usage card of a page: CPU, memory, disk and network charts over the last hour, day or week,
 * live while showing the hour. A host, pool or the zone shows its own CPU and memory with the
 * guests' share, memory's total and, for a host or a pool, one storage chart per location.
 */
import { useState } from 'hono/jsx/dom';
import type { UsageHistory, UsagePoint, UsageRange, UsageSample, UsageValues } from '../../shared/usage.js';
import { api } from '../api.js';
import { bytes, rate } from '../format.js';
import { useEffect } from '../hooks.js';
import { t } from '../i18n/index.js';
import { watchUsage } from '../usage-live.js';
import { UsageChart } from './usage-chart.js';

const SPAN: Record<UsageRange, number> = { hour: 3600_000, day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 };
const RANGES = ['hour', 'day', 'week'] as const;

/** The hour's points with a live sample appended (older than an hour dropped; a sample already shown is not doubled). */
function appended(points: UsagePoint[], s: UsageSample): UsagePoint[] {
  const from = Date.now() - SPAN.hour;
  return [...points.filter((p) => p.t >= from && p.t < s.t), { t: s.t, avg: s.values, max: s.values }];
}

/** Charts of one target: `kind` and `id` for the history, `series` for the live samples. */
export function UsageCharts({ kind, id, series, title }: { kind: 'instances' | 'hosts' | 'pools' | 'zone'; id?: string; series: string; title?: string }) {
  const [range, setRange] = useState<UsageRange>('hour');
  const [points, setPoints] = useState<UsagePoint[]>([]);
  const [locations, setLocations] = useState<NonNullable<UsageHistory['locations']>>([]);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    let alive = true;
    const live = range === 'hour';
    const stops: (() => void)[] = [];
    api.usage.history(kind, id, range).then(
      (h) => {
        if (!alive) return;
        setPoints(h.points);
        setLocations(h.locations ?? []);
        setNow(Date.now());
        // Each storage location has its own series (named by the history): its chart grows with the others.
        if (live)
          for (const l of h.locations ?? [])
            stops.push(
              watchUsage(l.series, (s) => {
                if (alive) setLocations((old) => old.map((o) => (o.series === s.series ? { ...o, points: appended(o.points, s) } : o)));
              }),
            );
      },
      () => undefined,
    );
    if (live)
      stops.push(
        watchUsage(series, (s) => {
          if (!alive) return;
          setNow(Date.now());
          setPoints((old) => appended(old, s));
        }),
      );
    return () => {
      alive = false;
      for (const stop of stops) stop();
    };
  }, [kind, id, series, range]);

  const from = now - SPAN[range];
  const line = (label: string, metric: keyof UsageValues, of: UsagePoint[] = points) => ({ label, values: of.map((p) => ({ t: p.t, v: p.avg[metric] })) });
  const u = t.usageHistory;
  const machine = kind !== 'instances';
  return (
    <section class="card" aria-label={title ?? t.usageHistory.title} data-testid="usage-charts">
      <div class="card-head">
        <h2>{title ?? t.usageHistory.title}</h2>
        <div class="segmented" role="group" aria-label={t.usageHistory.range}>
          {RANGES.map((r) => (
            <button key={r} type="button" class={`button button-small ${r === range ? 'button-primary' : ''}`} aria-pressed={r === range} onClick={() => setRange(r)}>
              {t.usageHistory[r]}
            </button>
          ))}
        </div>
      </div>
      {points.length === 0 && <p class="muted">{t.usageHistory.noData}</p>}
      <div class="charts">
        <UsageChart id="cpu" title={u.cpuTitle} lines={machine ? [line(u.host, 'cpuPercent'), line(u.guests, 'guestCpuPercent')] : [line(u.cpu, 'cpuPercent')]} format={(v) => `${Math.round(v)}%`} fixedMax={100} from={from} to={now} />
        <UsageChart
          id="memory"
          title={machine ? u.memoryTitle : u.memory}
          lines={machine ? [line(u.used, 'memoryBytes'), line(u.guests, 'guestMemoryBytes'), line(u.total, 'memoryTotalBytes')] : [line(u.memory, 'memoryBytes')]}
          format={bytes}
          floor={1024 * 1024}
          from={from}
          to={now}
        />
        <UsageChart id="disk" title={machine ? u.guestDiskTitle : u.diskTitle} lines={[line(u.read, 'diskReadBps'), line(u.write, 'diskWriteBps')]} format={rate} floor={1024} from={from} to={now} />
        <UsageChart id="network" title={machine ? u.hostNetworkTitle : u.networkTitle} lines={[line(u.rx, 'netRxBps'), line(u.tx, 'netTxBps')]} format={rate} floor={1024} from={from} to={now} />
        {locations.map((l) => (
          <UsageChart
            key={l.storagePoolId}
            id={`storage-${l.storagePoolId}`}
            title={u.storageTitle(l.name)}
            lines={[line(u.used, 'storageUsedBytes', l.points), line(u.total, 'storageTotalBytes', l.points)]}
            format={bytes}
            floor={1024 * 1024}
            from={from}
            to={now}
          />
        ))}
      </div>
    </section>
  );
}
