/** @jsxImportSource hono/jsx/dom */
/** A coloured badge for an instance state or a host's online state, in the current language. */
import { t } from '../i18n/index.js';

/** Shows `state` in its colour (see .badge-* in styles.css). */
export function StateBadge({ state, title }: { state: string; title?: string }) {
  return (
    <span class={`badge badge-${state}`} data-state={state} title={title || undefined}>
      {t.states[state] ?? state}
    </span>
  );
}
