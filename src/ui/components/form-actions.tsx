/** @jsxImportSource hono/jsx/dom */
/** The buttons at the foot of a dialog's form: Cancel, and the submit button that says when it is busy. */
import { t } from '../i18n/index.js';

/** Cancel and submit; `label`/`busyLabel` default to Create/Creating…, `wide` spans a two-column form. */
export function FormActions(props: { onCancel: () => void; busy: boolean; label?: string; busyLabel?: string; disabled?: boolean; wide?: boolean }) {
  return (
    <div class={`form-actions ${props.wide ? 'span-2' : ''}`}>
      <button type="button" class="button" onClick={props.onCancel}>
        {t.common.cancel}
      </button>
      <button type="submit" class="button button-primary" disabled={props.busy || props.disabled}>
        {props.busy ? (props.busyLabel ?? t.common.creating) : (props.label ?? t.common.create)}
      </button>
    </div>
  );
}
