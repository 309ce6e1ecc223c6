/** @jsxImportSource hono/jsx/dom */
/** A modal dialog over the page; Escape or the backdrop closes it. */
import type { Child } from 'hono/jsx/dom';
import { useEffect } from '../hooks.js';

/** Modal with a title, content and a close handler. */
export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children?: Child; wide?: boolean }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div class="modal-backdrop" onClick={(e: MouseEvent) => e.target === e.currentTarget && onClose()}>
      <div class={`modal ${wide ? 'modal-wide' : ''}`} role="dialog" aria-modal="true" aria-label={title}>
        <div class="modal-head">
          <h2>{title}</h2>
          <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        <div class="modal-body">{children}</div>
      </div>
    </div>
  );
}
