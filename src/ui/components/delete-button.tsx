/** @jsxImportSource hono/jsx/dom */
/** A Delete button that asks first; the API's refusal (e.g. network_in_use) shows in the dialog, and lists reload after a delete. */
import { useState } from 'hono/jsx/dom';
import { t } from '../i18n/index.js';
import { changes } from '../store.js';
import { ConfirmDialog } from './confirm-dialog.js';

/** The button with its confirmation; `onDeleted` runs after the delete succeeded. */
export function DeleteButton(props: { title: string; message: string; label?: string; onDelete: () => Promise<unknown>; onDeleted?: () => void; disabledReason?: string }) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <button
        type="button"
        class="button button-small button-danger-outline"
        data-action="delete"
        disabled={Boolean(props.disabledReason)}
        title={props.disabledReason}
        onClick={() => setAsking(true)}
      >
        {props.label ?? t.common.delete}
      </button>
      {asking && (
        <ConfirmDialog
          title={props.title}
          message={props.message}
          confirmLabel={props.label ?? t.common.delete}
          onConfirm={async () => {
            await props.onDelete();
            changes.set(changes.get() + 1);
            props.onDeleted?.();
          }}
          onClose={() => setAsking(false)}
        />
      )}
    </>
  );
}
