/** @jsxImportSource hono/jsx/dom */
/** The actions of an uploaded file's row (image or ISO): download and delete, and its short checksum. */
import type { Child } from 'hono/jsx/dom';
import { t } from '../i18n/index.js';

/** Download link and delete button (`onDelete` opens the caller's confirmation), after any `children`. */
export function FileActions({ href, onDelete, children }: { href: string; onDelete: () => void; children?: Child }) {
  return (
    <div class="actions actions-compact">
      {children}
      <a class="button button-small" href={href} download>
        {t.files.download}
      </a>
      <button type="button" class="button button-small button-danger-outline" onClick={onDelete}>
        {t.files.delete}
      </button>
    </div>
  );
}

/** A SHA-256 shown short, with the whole value on hover. */
export function ShaCell({ sha256 }: { sha256: string }) {
  return (
    <span class="mono" title={sha256}>
      {sha256.slice(0, 12)}…
    </span>
  );
}
