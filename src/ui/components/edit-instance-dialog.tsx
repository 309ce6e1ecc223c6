/** @jsxImportSource hono/jsx/dom */
/**
 * Changes an instance (PATCH): name, cores, memory, autostart, description and QoS. While it runs,
 * cores and memory above the maximums fixed at create are refused as you type (stop it first);
 * only what differs from the instance is sent.
 */
import type { Instance } from '../../shared/api-types.js';
import { updateInstanceSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { useApiFieldErrors } from '../api-field-errors.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { changes } from '../store.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';
import { QosFields, qosFieldsOf, qosOfFields, type QosFieldValues } from './qos-fields.js';

interface EditFields extends QosFieldValues {
  name: string;
  cores: string;
  memoryMiB: string;
  autostart: boolean;
  description: string;
  [key: string]: string | boolean;
}

/** The request: only the fields that changed. */
function changesOf(i: Instance, f: EditFields) {
  const next = { name: f.name.trim(), cores: Number(f.cores), memoryMiB: Number(f.memoryMiB), autostart: f.autostart, description: f.description };
  const qos = qosOfFields(f);
  return {
    ...Object.fromEntries(Object.entries(next).filter(([k, v]) => v !== i[k as keyof typeof next])),
    ...(JSON.stringify(qos) !== JSON.stringify(qosOfFields(qosFieldsOf(i.qos))) ? { qos } : {}),
  };
}

/** Whether a running instance would need a stop for these values. */
function aboveMaximums(i: Instance, f: EditFields): Record<string, string> {
  if (i.state !== 'running' && i.state !== 'paused') return {};
  return {
    ...(Number(f.cores) > i.maxCores ? { cores: t.instanceEdit.aboveMaxCores(i.maxCores) } : {}),
    ...(Number(f.memoryMiB) > i.maxMemoryMiB ? { memoryMiB: t.instanceEdit.aboveMaxMemory(i.maxMemoryMiB) } : {}),
  };
}

/** The dialog; closes once the API has taken the change. */
export function EditInstanceDialog({ instance: i, onClose }: { instance: Instance; onClose: () => void }) {
  const form = useForm<EditFields>({ name: i.name, cores: String(i.cores), memoryMiB: String(i.memoryMiB), autostart: i.autostart, description: i.description, ...qosFieldsOf(i.qos) });
  const f = form.values;
  const server = useApiFieldErrors();
  const body = changesOf(i, f);
  const live = aboveMaximums(i, f);
  const errors = { ...server.errors, ...(Object.keys(body).length ? schemaErrors(updateInstanceSchema, body) : {}), ...live };
  const running = i.state === 'running' || i.state === 'paused';
  const submit = useSubmit(async () => {
    if (Object.keys(body).length === 0) return onClose();
    const parsed = updateInstanceSchema.safeParse(body);
    if (!parsed.success || Object.keys(live).length > 0) return;
    if (!(await server.run(() => api.instances.update(i.id, parsed.data)))) return;
    changes.set(changes.get() + 1);
    onClose();
  });
  const title = t.instanceEdit.title(i.name);
  return (
    <Modal title={title} onClose={onClose} wide>
      <form class="form-grid" onSubmit={submit.run} onInput={server.clear} noValidate aria-label={title}>
        <p class="muted span-2" data-testid="edit-live-hint">
          {running ? t.instanceEdit.runningHint(i.maxCores, i.maxMemoryMiB) : t.instanceEdit.stoppedHint}
        </p>
        <Field label={t.instance.name} error={errors.name} hint={t.instanceEdit.nameHint} class="span-2">
          <input name="name" value={f.name} onInput={form.text('name')} autofocus />
        </Field>
        <Field label={t.create.cores} error={errors.cores} hint={running ? t.instanceEdit.maxCores(i.maxCores) : undefined}>
          <input name="cores" type="number" min="1" max={running ? i.maxCores : undefined} value={f.cores} onInput={form.text('cores')} aria-invalid={errors.cores ? 'true' : undefined} />
        </Field>
        <Field label={t.create.memory} error={errors.memoryMiB} hint={running ? t.instanceEdit.maxMemory(i.maxMemoryMiB) : undefined}>
          <input name="memoryMiB" type="number" min="64" step="64" max={running ? i.maxMemoryMiB : undefined} value={f.memoryMiB} onInput={form.text('memoryMiB')} aria-invalid={errors.memoryMiB ? 'true' : undefined} />
        </Field>
        <Field label={t.instanceEdit.description} error={errors.description} class="span-2">
          <textarea name="description" rows={2} value={f.description} onInput={form.text('description')} />
        </Field>
        <QosFields form={form} errors={errors} />
        <div class="field span-2 checks">
          <label>
            <input name="autostart" type="checkbox" checked={f.autostart} onChange={form.check('autostart')} /> {t.create.autostart}
          </label>
        </div>
        <div class="span-2">
          <ErrorNote message={submit.error} />
        </div>
        <FormActions onCancel={onClose} busy={submit.busy} disabled={Object.keys(live).length > 0} label={t.common.save} busyLabel={t.common.saving} wide />
      </form>
    </Modal>
  );
}
