/** @jsxImportSource hono/jsx/dom */
/** The new-pool dialog: a name and the overcommit ratios, validated with the shared zod schema. */
import { useState } from 'hono/jsx/dom';
import type { Pool } from '../../shared/api-types.js';
import { createPoolSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { ErrorNote } from '../components/error-note.js';
import { Field } from '../components/field.js';
import { Modal } from '../components/modal.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';

/** New-pool form in a modal; `onCreated` gets the new pool. */
export function CreatePoolDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (pool: Pool) => void }) {
  const form = useForm({ name: '', cpuOvercommit: '4', memoryOvercommit: '1' });
  const [touched, setTouched] = useState(false);
  const f = form.values;
  const body = { name: f.name.trim(), cpuOvercommit: Number(f.cpuOvercommit), memoryOvercommit: Number(f.memoryOvercommit) };
  const errors = touched ? schemaErrors(createPoolSchema, body) : {};
  const submit = useSubmit(async () => {
    setTouched(true);
    const parsed = createPoolSchema.safeParse(body);
    if (!parsed.success) return;
    onCreated(await api.pools.create(parsed.data));
    onClose();
  });
  return (
    <Modal title={t.pools.createTitle} onClose={onClose}>
      <form onSubmit={submit.run} noValidate>
        <Field label={t.pools.createName} error={errors.name}>
          <input name="name" value={f.name} placeholder={t.pools.createNamePlaceholder} onInput={form.text('name')} autofocus />
        </Field>
        <div class="form-grid">
          <Field label={t.pools.createCpu} error={errors.cpuOvercommit}>
            <input name="cpuOvercommit" type="number" min="1" max="32" value={f.cpuOvercommit} onInput={form.text('cpuOvercommit')} />
          </Field>
          <Field label={t.pools.createMemory} error={errors.memoryOvercommit}>
            <input name="memoryOvercommit" type="number" min="1" max="4" value={f.memoryOvercommit} onInput={form.text('memoryOvercommit')} />
          </Field>
        </div>
        <p class="muted small">{t.pools.createHint}</p>
        <ErrorNote message={submit.error} />
        <div class="form-actions">
          <button type="button" class="button" onClick={onClose}>
            {t.common.cancel}
          </button>
          <button type="submit" class="button button-primary" disabled={submit.busy}>
            {submit.busy ? t.common.creating : t.common.create}
          </button>
        </div>
      </form>
    </Modal>
  );
}
