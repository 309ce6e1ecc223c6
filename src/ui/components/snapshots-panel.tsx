/** @jsxImportSource hono/jsx/dom */
/**
 * An instance's snapshots: the tree (indented under its parent, the current one marked, when it
 * was taken, whether the guest was quiesced, whether its memory was saved), "Take snapshot…" (name,
 * description, "Include memory" for a running guest: followed in the activity panel; checked as you
 * type), "Revert" (a disk-only snapshot when stopped; one with memory any time, and the guest then
 * resumes running; asks first, later writes are discarded) and "Delete" (asks first; the merge is
 * followed in the activity panel). Refusals show the API's sentence.
 */
import { useState } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import { createSnapshotSchema, type InstanceSnapshot } from '../../shared/snapshots.js';
import { api } from '../api.js';
import { useApiFieldErrors, type FieldErrors } from '../api-field-errors.js';
import { bytes, dateTime } from '../format.js';
import { schemaErrors, useForm, useSubmit } from '../form.js';
import { t } from '../i18n/index.js';
import { changes, trackOperation } from '../store.js';
import { useResource } from '../use-resource.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { DataTable, type Column } from './data-table.js';
import { DeleteButton } from './delete-button.js';
import { ErrorNote } from './error-note.js';
import { Field } from './field.js';
import { FormActions } from './form-actions.js';
import { Modal } from './modal.js';
import { may } from '../permissions.js';

/** A snapshot with its depth in the tree. */
export interface TreeRow extends InstanceSnapshot {
  depth: number;
}

/** The snapshots in tree order (each parent followed by its children, oldest first), with depths; orphans start a root. */
export function treeOrder(snapshots: InstanceSnapshot[]): TreeRow[] {
  const ids = new Set(snapshots.map((s) => s.id));
  const out: TreeRow[] = [];
  const visit = (parentId: string | null, depth: number) => {
    for (const s of snapshots.filter((x) => (x.parentId !== null && ids.has(x.parentId) ? x.parentId : null) === parentId)) {
      out.push({ ...s, depth });
      visit(s.id, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

const TAKE_STATES = new Set(['stopped', 'running', 'paused']);

/** Name and description of the new snapshot; closes once it is taken. */
function TakeDialog({ instance, count, onClose }: { instance: Instance; count: number; onClose: () => void }) {
  const form = useForm({ name: `snapshot-${count + 1}`, description: '', memory: false });
  const server = useApiFieldErrors();
  const running = instance.state === 'running';
  const body = { name: form.values.name, description: form.values.description };
  const errors: FieldErrors = { ...server.errors, ...schemaErrors(createSnapshotSchema, body) };
  const submit = useSubmit(async () => {
    const parsed = createSnapshotSchema.safeParse(body);
    if (!parsed.success) return;
    if (form.values.memory && running) {
      const accepted = await server.run(() => api.instances.createMemorySnapshot(instance.id, { ...parsed.data, memory: true }));
      if (!accepted) return;
      void trackOperation(t.snapshots.takeTask(parsed.data.name, instance.name), accepted.operation)
        .catch(() => undefined) // the activity panel shows the failure
        .finally(() => changes.set(changes.get() + 1));
    } else if (!(await server.run(() => api.instances.createSnapshot(instance.id, parsed.data)))) return;
    changes.set(changes.get() + 1);
    onClose();
  });
  const title = t.snapshots.takeTitle(instance.name);
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit.run} onInput={server.clear} noValidate aria-label={title}>
        <p class="muted">{t.snapshots.takeHint}</p>
        <Field label={t.snapshots.name} error={errors.name}>
          <input name="name" value={form.values.name} onInput={form.text('name')} autofocus />
        </Field>
        <Field label={t.snapshots.description} error={errors.description}>
          <input name="description" value={form.values.description} onInput={form.text('description')} />
        </Field>
        <div class="field checks">
          <label>
            <input name="memory" type="checkbox" checked={form.values.memory && running} disabled={!running} onChange={form.check('memory')} /> {t.snapshots.includeMemory}
          </label>
          <span class="muted small">{running ? t.snapshots.includeMemoryHint : t.snapshots.includeMemoryLocked}</span>
        </div>
        <ErrorNote message={submit.error} />
        <FormActions onCancel={onClose} busy={submit.busy} disabled={Boolean(errors.name ?? errors.description)} label={t.snapshots.take} busyLabel={t.common.working} />
      </form>
    </Modal>
  );
}

/** The snapshots table with its actions. */
export function SnapshotsPanel({ instance }: { instance: Instance }) {
  const res = useResource(() => api.instances.snapshots(instance.id), 10_000, `${instance.id}:${instance.state}`);
  const [taking, setTaking] = useState(false);
  const [reverting, setReverting] = useState<InstanceSnapshot | undefined>(undefined);
  const rows = treeOrder(res.data ?? []);
  const takeLocked = TAKE_STATES.has(instance.state) ? undefined : t.snapshots.takeLocked(t.states[instance.state] ?? instance.state);
  const revertLocked = (s: InstanceSnapshot) => (instance.state === 'stopped' || (s.memory && TAKE_STATES.has(instance.state)) ? undefined : t.snapshots.revertLocked);
  const remove = async (s: InstanceSnapshot) => {
    const accepted = await api.instances.deleteSnapshot(instance.id, s.id);
    void trackOperation(t.snapshots.deleteTask(s.name, instance.name), accepted.operation)
      .catch(() => undefined) // the activity panel shows the failure
      .finally(res.reload);
  };
  const cols: Column<TreeRow>[] = [
    {
      key: 'name',
      label: t.snapshots.name,
      render: (s) => (
        <span style={{ paddingLeft: `${s.depth * 1.25}rem` }}>
          {s.depth > 0 && <span aria-hidden="true">└ </span>}
          <strong>{s.name}</strong>
          {s.current && ' '}
          {s.current && (
            <span class="badge badge-running" data-testid="current-snapshot" title={t.snapshots.currentHint}>
              {t.snapshots.current}
            </span>
          )}
          {s.description && <span class="muted small"> · {s.description}</span>}
        </span>
      ),
    },
    { key: 'created', label: t.snapshots.created, render: (s) => dateTime(s.createdAt) },
    { key: 'quiesced', label: t.snapshots.quiesced, render: (s) => (s.quiesced ? t.snapshots.quiescedYes : t.snapshots.quiescedNo) },
    { key: 'memory', label: t.snapshots.memory, render: (s) => (s.memory ? <span data-testid="snapshot-memory">{t.snapshots.memoryYes(bytes(s.memorySizeBytes))}</span> : t.snapshots.memoryNo) },
    { key: 'size', label: t.snapshots.size, render: (s) => bytes(s.sizeBytes) },
    ...(may('snapshots.manage', instance.groupId) ? [{
      key: 'actions',
      label: t.table.actions,
      render: (s: TreeRow) => (
        <div class="actions">
          <button type="button" class="button button-small" data-action="revert-snapshot" disabled={Boolean(revertLocked(s))} title={revertLocked(s)} onClick={() => setReverting(s)}>
            {t.snapshots.revert}
          </button>
          <DeleteButton title={t.snapshots.deleteTitle(s.name)} message={t.snapshots.deleteMessage(s.name)} onDelete={() => remove(s)} onDeleted={res.reload} />
        </div>
      ),
    }] : []),
  ];
  return (
    <section class="card" aria-label={t.snapshots.title}>
      <h2>{t.snapshots.title}</h2>
      <p class="muted">{t.snapshots.hint}</p>
      <ErrorNote message={res.error} />
      {rows.length > 0 ? (
        <DataTable id="snapshots-table" columns={cols} rows={rows} rowKey={(s) => s.id} rowAttrs={(s) => ({ 'data-name': s.name, 'data-depth': String(s.depth), 'data-current': String(s.current), 'data-memory': String(s.memory) })} />
      ) : (
        res.data && <p class="muted">{t.snapshots.empty}</p>
      )}
      {may('snapshots.manage', instance.groupId) && (<div class="actions">
        <button type="button" class="button button-small" data-action="take-snapshot" disabled={Boolean(takeLocked)} title={takeLocked} onClick={() => setTaking(true)}>
          {t.snapshots.takeButton}
        </button>
        {takeLocked && <span class="muted small">{takeLocked}</span>}
      </div>)}
      {taking && (
        <TakeDialog
          instance={instance}
          count={rows.length}
          onClose={() => {
            setTaking(false);
            res.reload();
          }}
        />
      )}
      {reverting && (
        <ConfirmDialog
          title={t.snapshots.revertTitle(reverting.name)}
          message={reverting.memory ? t.snapshots.revertMemoryMessage(instance.name, reverting.name) : t.snapshots.revertMessage(instance.name, reverting.name)}
          confirmLabel={t.snapshots.revert}
          onConfirm={async () => {
            await api.instances.revertSnapshot(instance.id, reverting.id);
            changes.set(changes.get() + 1);
          }}
          onClose={() => {
            setReverting(undefined);
            res.reload();
          }}
        />
      )}
    </section>
  );
}
