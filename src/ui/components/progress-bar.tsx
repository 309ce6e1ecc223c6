/** @jsxImportSource hono/jsx/dom */
/** A progress bar: determinate (0..100) or, without a value, an indeterminate stripe. */

/** Progress bar with an accessible value. */
export function ProgressBar({ value, label }: { value?: number; label?: string }) {
  const known = typeof value === 'number' && Number.isFinite(value);
  const pct = known ? Math.max(0, Math.min(100, value)) : 0;
  return (
    <div
      class={`progress ${known ? '' : 'progress-indeterminate'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={known ? Math.round(pct) : undefined}
    >
      <div class="progress-fill" style={known ? { width: `${pct}%` } : undefined} />
    </div>
  );
}
