/** @jsxImportSource hono/jsx/dom */
/**
 * An instance's disks: device, role, size and what it takes on the host, with "Add disk" (a
 * blank data disk, hot-plugged when running), "Grow" (never smaller) and "Remove" (asks first;
 * the data is deleted), "Compact" per disk and, below, "Create image…" and "Reset system disk"
 * (disk-jobs.tsx). Only offered in the states the server accepts.
 */
import { useState } from 'hono/jsx/dom';
import type { Instance, InstanceDisk } from '../../shared/api-types.js';
import { canDo } from '../../shared/instance-states.js';
import { addDiskSchema, growDiskSchema } from '../../shared/schemas.js';
import { api } from '../api.js';
import { useApiFieldErrors, type FieldErrors } from '../api-field-errors.js';
import { bytes } from '../format.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { useResource } from '../use-resource.js';
import { DataTable, type Column } from './data-table.js';
import { DeleteButton } from './delete-button.js';
import { CompactButton, DiskJobButtons } from './disk-jobs.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';
import { may } from '../permissions.js';

const GiB = 1024 ** 3;

/** One size field in GiB, checked by `schema` as you type; `send` makes the call. */
function SizeDialog(props: { title: string; hint: string; initial: number; schema: typeof addDiskSchema; label: string; send: (sizeGiB: number) => Promise<unknown>; onClose: () => void }) {
  const form = useForm({ sizeGiB: String(props.initial) });
  const server = useApiFieldErrors();
  const body = { sizeGiB: Number(form.values.sizeGiB) };
  const errors: FieldErrors = { ...server.errors, ...schemaErrors(props.schema, body) };
  const submit = useSubmit(async () => {
    const parsed = props.schema.safeParse(body);
    if (!parsed.success) return;
    if (await server.run(() => props.send(parsed.data.sizeGiB))) props.onClose();
  });
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <form onSubmit={submit.run} onInput={server.clear} noValidate aria-label={props.title}>
        <Field label={t.disks.sizeGiB} error={errors.sizeGiB} hint={props.hint}>
          <input name="sizeGiB" type="number" min="1" step="1" value={form.values.sizeGiB} onInput={form.text('sizeGiB')} autofocus />
        </Field>
        <ErrorNote message={submit.error} />
        <FormActions onCancel={props.onClose} busy={submit.busy} disabled={Boolean(errors.sizeGiB)} label={props.label} busyLabel={t.common.working} />
      </form>
    </Modal>
  );
}

/** The disks table with its actions. */
export function DisksPanel({ instance }: { instance: Instance }) {
  const res = useResource(() => api.instances.disks(instance.id), 10_000, `${instance.id}:${instance.state}`);
  const [adding, setAdding] = useState(false);
  const [growing, setGrowing] = useState<InstanceDisk | undefined>(undefined);
  const disks = res.data ?? [];
  const locked = canDo('change-disks', instance.state) ? undefined : t.disks.locked(t.states[instance.state] ?? instance.state);
  const full = disks.filter((d) => d.role === 'data').length >= 8 ? t.disks.tooMany : undefined;
  const canModify = may('instances.modify', instance.groupId);
  const cols: Column<InstanceDisk>[] = [
    { key: 'device', label: t.disks.device, render: (d) => <span class="mono">{d.device}</span> },
    { key: 'role', label: t.disks.role, render: (d) => (d.role === 'system' ? t.disks.roleSystem : t.disks.roleData) },
    { key: 'size', label: t.disks.size, render: (d) => bytes(d.virtualSizeBytes) },
    { key: 'allocated', label: t.disks.allocated, render: (d) => (d.actualSizeBytes === null ? <span class="muted">{t.disks.unknown}</span> : bytes(d.actualSizeBytes)) },
    { key: 'format', label: t.disks.format, render: (d) => d.format ?? <span class="muted">{t.disks.unknown}</span> },
    ...(canModify ? [{
      key: 'actions',
      label: t.table.actions,
      render: (d: InstanceDisk) => (
        <div class="actions">
          <button type="button" class="button button-small" data-action="grow-disk" disabled={Boolean(locked)} title={locked} onClick={() => setGrowing(d)}>
            {t.disks.grow}
          </button>
          <CompactButton instance={instance} disk={d} onDone={res.reload} />
          {d.role === 'data' && (
            <DeleteButton
              label={t.disks.remove}
              title={t.disks.removeTitle(d.device)}
              message={t.disks.removeMessage(d.device)}
              disabledReason={locked}
              onDelete={() => api.instances.removeDisk(instance.id, d.id)}
              onDeleted={res.reload}
            />
          )}
        </div>
      ),
    }] : []),
  ];
  const closed = () => {
    setAdding(false);
    setGrowing(undefined);
    res.reload();
  };
  return (
    <section class="card" aria-label={t.disks.title}>
      <h2>{t.disks.title}</h2>
      <ErrorNote message={res.error} />
      {disks.length > 0 && (
        <DataTable id="disks-table" columns={cols} rows={disks} rowKey={(d) => d.id} rowAttrs={(d) => ({ 'data-device': d.device, 'data-size': String(d.virtualSizeBytes) })} />
      )}
      {canModify && (<div class="actions">
        <button type="button" class="button button-small" data-action="add-disk" disabled={Boolean(locked ?? full)} title={locked ?? full} onClick={() => setAdding(true)}>
          {t.disks.add}
        </button>
        {locked && <span class="muted small">{locked}</span>}
      </div>)}
      {canModify && <DiskJobButtons instance={instance} />}
      {adding && <SizeDialog title={t.disks.addTitle(instance.name)} hint={t.disks.addHint} initial={10} schema={addDiskSchema} label={t.disks.add} send={(s) => api.instances.addDisk(instance.id, s)} onClose={closed} />}
      {growing && (
        <SizeDialog
          title={t.disks.growTitle(growing.device)}
          hint={t.disks.growHint(bytes(growing.virtualSizeBytes))}
          initial={Math.ceil(growing.virtualSizeBytes / GiB) + 1}
          schema={growDiskSchema}
          label={t.disks.grow}
          send={(s) => api.instances.growDisk(instance.id, growing.id, s)}
          onClose={closed}
        />
      )}
    </section>
  );
}
