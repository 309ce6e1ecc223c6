/** @jsxImportSource hono/jsx/dom */
/** Asks before a destructive action; shows the API's sentence if the action fails. */
import { useState } from 'hono/jsx/dom';
import { t } from '../i18n/index.js';
import { errorText } from '../store.js';
import { ErrorNote } from './error-note.js';
import { Modal } from './modal.js';

/** Confirmation with a danger button. */
export function ConfirmDialog(props: { title: string; message: string; confirmLabel: string; onConfirm: () => Promise<unknown>; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <p>{props.message}</p>
      <ErrorNote message={error} />
      <div class="form-actions">
        <button type="button" class="button" onClick={props.onClose}>
          {t.common.cancel}
        </button>
        <button type="button" class="button button-danger" disabled={busy} onClick={confirm}>
          {busy ? t.common.working : props.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
