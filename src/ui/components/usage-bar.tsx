/** @jsxImportSource hono/jsx/dom */
/** A labelled usage bar: used of total, coloured by how full it is. */
import { percent } from '../format.js';

/** Usage of a resource; `format` renders the amounts, `detail` replaces the numbers shown. */
export function UsageBar(props: { label: string; used: number; total: number; format: (n: number) => string; detail?: string }) {
  const { label, used, total, format } = props;
  const share = total > 0 ? used / total : 0;
  const level = share > 0.9 ? 'high' : share > 0.7 ? 'mid' : 'low';
  return (
    <div class="usage">
      <div class="usage-head">
        <span>{label}</span>
        <span class="muted">
          {props.detail ?? `${format(used)} / ${format(total)} · ${percent(share)}`}
        </span>
      </div>
      <div class={`usage-bar usage-${level}`}>
        <div class="usage-fill" style={{ width: `${Math.min(100, share * 100)}%` }} />
      </div>
    </div>
  );
}
