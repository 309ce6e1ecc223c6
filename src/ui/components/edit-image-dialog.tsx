/** @jsxImportSource hono/jsx/dom */
/** Edits an image's name, description and OS (PATCH /images/:id); closes once the API has saved. */
import type { Image } from '../../shared/api-types.js';
import { api } from '../api.js';
import { useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';

/** The dialog; `onSaved` runs after a successful save. */
export function EditImageDialog({ image, onClose, onSaved }: { image: Image; onClose: () => void; onSaved: () => void }) {
  const form = useForm({ name: image.name, description: image.description, os: image.os });
  const save = useSubmit(async () => {
    await api.images.update(image.id, form.values);
    onSaved();
    onClose();
  });
  return (
    <Modal title={t.images.editTitle(image.name)} onClose={onClose}>
      <form onSubmit={(e: Event) => void save.run(e)}>
        <Field label={t.upload.name}>
          <input name="name" value={form.values.name} onInput={form.text('name')} />
        </Field>
        <Field label={t.images.description}>
          <input name="description" value={form.values.description} onInput={form.text('description')} />
        </Field>
        <Field label={t.images.os}>
          <input name="os" value={form.values.os} onInput={form.text('os')} />
        </Field>
        <ErrorNote message={save.error} />
        <FormActions onCancel={onClose} busy={save.busy} label={t.common.save} busyLabel={t.common.saving} disabled={!form.values.name.trim()} />
      </form>
    </Modal>
  );
}
