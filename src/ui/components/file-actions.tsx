/** @jsxImportSource hono/jsx/dom */
/** The actions cell of an uploaded file's row (image or ISO): download and delete. */

/** Download link and delete button; `onDelete` opens the caller's confirmation. */
export function FileActions({ href, onDelete }: { href: string; onDelete: () => void }) {
  return (
    <td data-label="Actions">
      <div class="actions actions-compact">
        <a class="button button-small" href={href} download>
          Download
        </a>
        <button type="button" class="button button-small button-danger-outline" onClick={onDelete}>
          Delete
        </button>
      </div>
    </td>
  );
}

/** A SHA-256 shown short, with the whole value on hover. */
export function ShaCell({ sha256 }: { sha256: string }) {
  return (
    <td data-label="SHA-256" class="mono" title={sha256}>
      {sha256.slice(0, 12)}…
    </td>
  );
}
