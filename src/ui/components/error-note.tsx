/** @jsxImportSource hono/jsx/dom */
/** An error sentence from the API, shown inline. */

/** Renders nothing without a message. */
export function ErrorNote({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <div class="note note-error" role="alert">
      {message}
    </div>
  );
}
