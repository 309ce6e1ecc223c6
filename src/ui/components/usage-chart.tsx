/** @jsxImportSource hono/jsx/dom */
/** A hand-drawn SVG line chart of one or two metrics over time, with a value axis (units) and time labels. */
import { t } from '../i18n/index.js';

/** One line of a chart. */
export interface ChartLine {
  label: string;
  values: { t: number; v: number }[];
}

const W = 360;
const H = 150;
const LEFT = 64;
const BOTTOM = 22;
const TOP = 8;
const RIGHT = 8;

/** A round upper bound for the value axis (1, 2 or 5 × a power of ten). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

function timeLabel(ms: number, spanMs: number): string {
  const d = new Date(ms);
  return spanMs > 86_400_000 * 1.5
    ? d.toLocaleDateString(t.locale, { month: 'numeric', day: 'numeric' }) + ' ' + d.toLocaleTimeString(t.locale, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleTimeString(t.locale, { hour: '2-digit', minute: '2-digit' });
}

/** The chart; `format` writes a value with its unit; `fixedMax` pins the axis (100 for %), `floor` is the least top of a free axis. */
export function UsageChart({ id, title, lines, format, fixedMax, floor = 1, from, to }: { id: string; title: string; lines: ChartLine[]; format: (v: number) => string; fixedMax?: number; floor?: number; from: number; to: number }) {
  const all = lines.flatMap((l) => l.values);
  const max = fixedMax ?? niceMax(Math.max(floor, ...all.map((p) => p.v)));
  const span = Math.max(1, to - from);
  const x = (ms: number) => LEFT + ((ms - from) / span) * (W - LEFT - RIGHT);
  const y = (v: number) => TOP + (1 - Math.min(v, max) / max) * (H - TOP - BOTTOM);
  const yTicks = [0, max / 2, max];
  const xTicks = [from, from + span / 2, to];
  return (
    <figure class="chart" data-testid={`usage-chart-${id}`} data-points={all.length}>
      <figcaption>
        <strong>{title}</strong>
        {lines.length > 1 &&
          lines.map((l, i) => (
            <span key={l.label} class={`chart-key chart-line-${i}`}>
              {l.label}
            </span>
          ))}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t.usageHistory.chartLabel(title, all.length)}>
        {yTicks.map((v) => (
          <g key={`y${v}`}>
            <line class="chart-grid" x1={LEFT} x2={W - RIGHT} y1={y(v)} y2={y(v)} />
            <text class="chart-axis" x={LEFT - 4} y={y(v) + 4} text-anchor="end">
              {format(v)}
            </text>
          </g>
        ))}
        {xTicks.map((ms, i) => (
          <text key={`x${i}`} class="chart-axis" x={x(ms)} y={H - 6} text-anchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}>
            {timeLabel(ms, span)}
          </text>
        ))}
        {lines.map((l, i) =>
          l.values.length === 1 ? (
            <circle key={l.label} class={`chart-line-${i}`} cx={x(l.values[0].t)} cy={y(l.values[0].v)} r={2} />
          ) : (
            <polyline key={l.label} class={`chart-line chart-line-${i}`} points={l.values.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')} />
          ),
        )}
      </svg>
    </figure>
  );
}
