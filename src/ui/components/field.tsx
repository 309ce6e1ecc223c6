/** @jsxImportSource hono/jsx/dom */
/** A labelled form field with its error sentence (and an optional hint) under the control. */
import type { Child } from 'hono/jsx/dom';

/** `<label>` around the control, so clicking the text focuses it; `error` shows in red below. */
export function Field({ label, error, hint, class: extra, children }: { label: Child; error?: string; hint?: Child; class?: string; children?: Child }) {
  return (
    <label class={`field ${extra ?? ''}`}>
      <span>{label}</span>
      {children}
      {hint && <span class="muted small">{hint}</span>}
      {error && <span class="field-error">{error}</span>}
    </label>
  );
}
