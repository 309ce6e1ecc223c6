/** @jsxImportSource hono/jsx/dom */
/** Edits an image's name, description, OS and tags (PATCH /images/:id); tags are checked as you type; closes once the API has saved. */
import type { Image } from '../../shared/api-types.js';
import { imageTagListSchema } from '../../shared/images.js';
import { api } from '../api.js';
import { useApiFieldErrors, type FieldErrors } from '../api-field-errors.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';

/** Field errors by field, whatever tag an error is about (`tags.3` → `tags`). */
const byField = (path: string) => path.split('.')[0];

/** The dialog; `onSaved` runs after a successful save. */
export function EditImageDialog({ image, onClose, onSaved }: { image: Image; onClose: () => void; onSaved: () => void }) {
  const form = useForm({ name: image.name, description: image.description, os: image.os, tags: image.tags.join(', ') });
  const server = useApiFieldErrors(byField);
  const tags = imageTagListSchema.safeParse(form.values.tags);
  const errors: FieldErrors = { ...server.errors, ...(tags.success ? {} : { tags: Object.values(schemaErrors(imageTagListSchema, form.values.tags))[0] }) };
  const save = useSubmit(async () => {
    if (!tags.success) return;
    const saved = await server.run(() => api.images.update(image.id, { name: form.values.name, description: form.values.description, os: form.values.os, tags: tags.data }));
    if (!saved) return;
    onSaved();
    onClose();
  });
  return (
    <Modal title={t.images.editTitle(image.name)} onClose={onClose}>
      <form onSubmit={(e: Event) => void save.run(e)} onInput={server.clear} noValidate>
        <Field label={t.upload.name} error={errors.name}>
          <input name="name" value={form.values.name} onInput={form.text('name')} />
        </Field>
        <Field label={t.images.description} error={errors.description}>
          <input name="description" value={form.values.description} onInput={form.text('description')} />
        </Field>
        <Field label={t.images.os} error={errors.os}>
          <input name="os" value={form.values.os} onInput={form.text('os')} />
        </Field>
        <Field label={t.images.tags} hint={t.images.tagsHint} error={errors.tags}>
          <input name="tags" value={form.values.tags} onInput={form.text('tags')} />
        </Field>
        <ErrorNote message={save.error} />
        <FormActions onCancel={onClose} busy={save.busy} label={t.common.save} busyLabel={t.common.saving} disabled={!form.values.name.trim() || Boolean(errors.tags)} />
      </form>
    </Modal>
  );
}
