/** @jsxImportSource hono/jsx/dom */
/** Asks before a destructive action; shows the API's sentence if the action fails. */
import { useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { ErrorNote } from './error-note.js';
import { Modal } from './modal.js';

/** Confirmation with a danger button. */
export function ConfirmDialog(props: { title: string; message: string; confirmLabel: string; onConfirm: () => Promise<unknown>; onClose: () => void }) {
  const confirm = useSubmit(async () => {
    await props.onConfirm();
    props.onClose();
  });
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <p>{props.message}</p>
      <ErrorNote message={confirm.error} />
      <div class="form-actions">
        <button type="button" class="button" onClick={props.onClose}>
          {t.common.cancel}
        </button>
        <button type="button" class="button button-danger" disabled={confirm.busy} onClick={() => void confirm.run()}>
          {confirm.busy ? t.common.working : props.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
