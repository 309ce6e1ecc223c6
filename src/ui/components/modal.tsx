/** @jsxImportSource hono/jsx/dom */
/**
 * A modal dialog on the native `<dialog>` (the page behind is inert): focus moves into it (to
 * the `autofocus` field or the first control), Tab and Shift+Tab stay inside, and Escape, the
 * backdrop or the close button close it and give the focus back to what opened it.
 */
import type { Child } from 'hono/jsx/dom';
import { useRef } from 'hono/jsx/dom';
import { useEffect } from '../hooks.js';
import { t } from '../i18n/index.js';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The visible controls inside `root`, in tab order. */
function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => e.offsetParent !== null || e === document.activeElement);
}

/** Keeps Tab and Shift+Tab inside `root`: past the last control to the first, and back. */
function trapTab(e: KeyboardEvent, root: HTMLElement): void {
  if (e.key !== 'Tab') return;
  const list = focusables(root);
  if (list.length === 0) return e.preventDefault();
  const first = list[0];
  const last = list[list.length - 1];
  const active = document.activeElement;
  if (e.shiftKey && (active === first || !root.contains(active))) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (active === last || !root.contains(active))) {
    e.preventDefault();
    first.focus();
  }
}

/** Modal with a title, content and a close handler. */
export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children?: Child; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    (dialog.querySelector<HTMLElement>('[autofocus]') ?? focusables(dialog.querySelector('.modal-body') ?? dialog)[0] ?? dialog).focus();
    const onKey = (e: KeyboardEvent) => trapTab(e, dialog);
    const onCancel = (e: Event) => {
      e.preventDefault(); // the app decides; it unmounts the dialog through onClose
      close.current();
    };
    dialog.addEventListener('keydown', onKey);
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('keydown', onKey);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={`modal ${wide ? 'modal-wide' : ''}`}
      aria-label={title}
      onClick={(e: MouseEvent) => e.target === e.currentTarget && onClose()}
    >
      <div class="modal-inner">
        <div class="modal-head">
          <h2>{title}</h2>
          <button type="button" class="icon-button" aria-label={t.common.close} onClick={onClose}>
            ×
          </button>
        </div>
        <div class="modal-body">{children}</div>
      </div>
    </dialog>
  );
}
