/** @jsxImportSource hono/jsx/dom */
/**
 * Work on a stopped instance's disks, followed in the activity panel: "Create image…" (name,
 * description, OS; the image appears on the images page when done), "Reset system disk" (asks
 * first: data disks are kept, cloud-init runs again) and "Compact" per disk. Offered only while
 * the instance is stopped, as the server requires.
 */
import { useState } from 'hono/jsx/dom';
import type { Instance, InstanceDisk } from '../../shared/api-types.js';
import { createImageFromInstanceSchema } from '../../shared/instance-images.js';
import { api } from '../api.js';
import { useApiFieldErrors, type FieldErrors } from '../api-field-errors.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { changes, trackOperation } from '../store.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';

/** Why the disk work is not offered now, or undefined when it is. */
export const diskJobsLocked = (i: Instance): string | undefined => (i.state === 'stopped' ? undefined : t.diskJobs.mustBeStopped);

/** Name, description and OS of the new image; closes once the build has started. */
function CreateImageDialog({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const form = useForm({ name: `${instance.name}-image`, description: '', osType: '' });
  const server = useApiFieldErrors();
  const body = { name: form.values.name, description: form.values.description, osType: form.values.osType };
  const errors: FieldErrors = { ...server.errors, ...schemaErrors(createImageFromInstanceSchema, body) };
  const submit = useSubmit(async () => {
    const parsed = createImageFromInstanceSchema.safeParse(body);
    if (!parsed.success) return;
    const accepted = await server.run(() => api.instances.createImage(instance.id, parsed.data));
    if (!accepted) return;
    onClose();
    changes.set(changes.get() + 1);
    await trackOperation(t.diskJobs.imageTask(parsed.data.name, instance.name), accepted.operation).finally(() => changes.set(changes.get() + 1));
  });
  const title = t.diskJobs.createImageTitle(instance.name);
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit.run} onInput={server.clear} noValidate aria-label={title}>
        <p class="muted">{t.diskJobs.createImageHint}</p>
        <Field label={t.diskJobs.imageName} error={errors.name}>
          <input name="name" value={form.values.name} onInput={form.text('name')} autofocus />
        </Field>
        <Field label={t.diskJobs.description} error={errors.description}>
          <input name="description" value={form.values.description} onInput={form.text('description')} />
        </Field>
        <Field label={t.diskJobs.osType} error={errors.osType}>
          <input name="osType" value={form.values.osType} onInput={form.text('osType')} />
        </Field>
        <ErrorNote message={submit.error} />
        <FormActions onCancel={onClose} busy={submit.busy} disabled={Boolean(errors.name)} label={t.diskJobs.createImage} busyLabel={t.common.working} />
      </form>
    </Modal>
  );
}

/** "Create image…" and "Reset system disk" for one instance. */
export function DiskJobButtons({ instance }: { instance: Instance }) {
  const [dialog, setDialog] = useState<'image' | 'reset' | undefined>(undefined);
  const locked = diskJobsLocked(instance);
  const close = () => setDialog(undefined);
  return (
    <div class="actions">
      <button type="button" class="button button-small" data-action="create-image" disabled={Boolean(locked)} title={locked ?? t.diskJobs.createImageHint} onClick={() => setDialog('image')}>
        {t.diskJobs.createImageButton}
      </button>
      <button type="button" class="button button-small" data-action="reset-system-disk" disabled={Boolean(locked) || !instance.imageId} title={locked ?? (instance.imageId ? t.diskJobs.resetHint : t.diskJobs.noImage)} onClick={() => setDialog('reset')}>
        {t.diskJobs.reset}
      </button>
      {locked && <span class="muted small">{locked}</span>}
      {dialog === 'image' && <CreateImageDialog instance={instance} onClose={close} />}
      {dialog === 'reset' && (
        <ConfirmDialog
          title={t.diskJobs.resetTitle(instance.name)}
          message={t.diskJobs.resetMessage}
          confirmLabel={t.diskJobs.reset}
          onConfirm={async () => {
            const accepted = await api.instances.resetSystemDisk(instance.id);
            changes.set(changes.get() + 1);
            void trackOperation(t.diskJobs.resetTask(instance.name), accepted.operation)
              .catch(() => undefined) // the activity panel shows the failure
              .finally(() => changes.set(changes.get() + 1));
          }}
          onClose={close}
        />
      )}
    </div>
  );
}

/** "Compact" for one disk: the work is followed in the activity panel, then `onDone`. */
export function CompactButton({ instance, disk, onDone }: { instance: Instance; disk: InstanceDisk; onDone: () => void }) {
  const [error, setError] = useState<string | undefined>(undefined);
  const locked = diskJobsLocked(instance);
  const compact = useSubmit(async () => {
    setError(undefined);
    const accepted = await api.instances.compactDisk(instance.id, disk.id);
    await trackOperation(t.diskJobs.compactTask(disk.device, instance.name), accepted.operation).catch((err: Error) => setError(err.message));
    onDone();
  });
  return (
    <>
      <button type="button" class="button button-small" data-action="compact-disk" disabled={Boolean(locked) || compact.busy} title={locked ?? t.diskJobs.compactHint} onClick={() => void compact.run()}>
        {compact.busy ? t.common.working : t.diskJobs.compact}
      </button>
      <ErrorNote message={error ?? compact.error} />
    </>
  );
}
