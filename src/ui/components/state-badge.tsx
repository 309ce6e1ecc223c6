/** @jsxImportSource hono/jsx/dom */
/** A coloured badge for an instance state or a host's online state. */

/** Shows `state` in its colour (see .badge-* in styles.css). */
export function StateBadge({ state, title }: { state: string; title?: string }) {
  return (
    <span class={`badge badge-${state}`} title={title || undefined}>
      {state}
    </span>
  );
}
