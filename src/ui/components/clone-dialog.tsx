/** @jsxImportSource hono/jsx/dom */
/**
 * "Clone…" on the instance page: the new instance's name (checked as you type) and whether its
 * disks stay linked to the image or are full copies; the copy is followed in the activity panel.
 * Offered while the instance is stopped, running or paused, as the server allows.
 */
import { useState } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import { CLONE_MODES, cloneInstanceSchema } from '../../shared/instance-clone.js';
import { api } from '../api.js';
import { useApiFieldErrors, type FieldErrors } from '../api-field-errors.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { changes, trackOperation } from '../store.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';

const cloneable = (i: Instance) => i.state === 'stopped' || i.state === 'running' || i.state === 'paused';

/** The dialog; closes once the copy has started. */
function CloneDialog({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const form = useForm({ name: `${instance.name}-clone`, mode: 'linked' });
  const server = useApiFieldErrors();
  const body = { name: form.values.name, mode: form.values.mode };
  const errors: FieldErrors = { ...server.errors, ...schemaErrors(cloneInstanceSchema, body) };
  const submit = useSubmit(async () => {
    const parsed = cloneInstanceSchema.safeParse(body);
    if (!parsed.success) return;
    const accepted = await server.run(() => api.instances.clone(instance.id, parsed.data));
    if (!accepted) return;
    onClose();
    changes.set(changes.get() + 1);
    await trackOperation(t.clone.task(parsed.data.name, instance.name), accepted.operation).finally(() => changes.set(changes.get() + 1));
  });
  const title = t.clone.title(instance.name);
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit.run} onInput={server.clear} noValidate aria-label={title}>
        <p class="muted">{t.clone.hint}</p>
        {instance.state !== 'stopped' && <p class="muted">{t.clone.liveHint}</p>}
        <Field label={t.clone.name} error={errors.name}>
          <input name="name" value={form.values.name} onInput={form.text('name')} autofocus />
        </Field>
        <Field label={t.clone.mode} error={errors.mode}>
          <select name="mode" value={form.values.mode} onChange={form.text('mode')}>
            {CLONE_MODES.map((m) => (
              <option value={m}>{t.clone[m]}</option>
            ))}
          </select>
        </Field>
        <ErrorNote message={submit.error} />
        <FormActions onCancel={onClose} busy={submit.busy} disabled={Boolean(errors.name)} label={t.clone.submit} busyLabel={t.common.working} />
      </form>
    </Modal>
  );
}

/** The "Clone…" button and its dialog. */
export function CloneButton({ instance }: { instance: Instance }) {
  const [open, setOpen] = useState(false);
  const allowed = cloneable(instance);
  return (
    <>
      <button type="button" class="button" data-action="clone" disabled={!allowed} title={allowed ? t.clone.hint : t.clone.unavailable} onClick={() => setOpen(true)}>
        {t.clone.button}
      </button>
      {open && <CloneDialog instance={instance} onClose={() => setOpen(false)} />}
    </>
  );
}
