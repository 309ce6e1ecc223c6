/** @jsxImportSource hono/jsx/dom */
/** A labelled usage bar: used of total, coloured by how full it is, with a sentence saying the numbers. */

/** Usage of a resource; `detail` is the sentence shown with it. */
export function UsageBar(props: { label: string; used: number; total: number; detail: string; testId?: string }) {
  const { label, used, total } = props;
  const share = total > 0 ? used / total : 0;
  const level = share > 0.9 ? 'high' : share > 0.7 ? 'mid' : 'low';
  return (
    <div class="usage" data-testid={props.testId}>
      <div class="usage-head">
        {label && <span>{label}</span>}
        <span class="muted usage-detail">{props.detail}</span>
      </div>
      <div class={`usage-bar usage-${level}`} role="meter" aria-label={label || props.detail} aria-valuemin={0} aria-valuemax={total} aria-valuenow={used}>
        <div class="usage-fill" style={{ width: `${Math.min(100, share * 100)}%` }} />
      </div>
    </div>
  );
}
