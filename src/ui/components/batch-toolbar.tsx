/** @jsxImportSource hono/jsx/dom */
/** The toolbar over a selection of instances: start, shut down, force stop, reboot, delete (the last two confirmed), as one batch. */
import { useState } from 'hono/jsx/dom';
import type { Instance, Operation } from '../../shared/api-types.js';
import type { BatchAction } from '../../shared/batch.js';
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { errorText } from '../store.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { ErrorNote } from './error-note.js';

const ACTIONS: BatchAction[] = ['start', 'stop', 'force-stop', 'reboot', 'delete'];
const CONFIRMED = new Set<BatchAction>(['force-stop', 'delete']);

/** Buttons for the selected instances; `onStarted` gets the batch's parent operation. */
export function BatchToolbar({ selected, onClear, onStarted }: { selected: Instance[]; onClear: () => void; onStarted: (op: Operation) => void }) {
  const [confirming, setConfirming] = useState<BatchAction | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const start = async (action: BatchAction) => {
    const { operation } = await api.instances.batch({ action, ids: selected.map((i) => i.id) });
    onClear();
    onStarted(operation);
  };
  const act = (action: BatchAction) => {
    if (CONFIRMED.has(action)) return setConfirming(action);
    setBusy(true);
    setError(undefined);
    start(action)
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };
  const names = selected.map((i) => i.name).join(', ');
  return (
    <div class="toolbar selection-bar" role="toolbar" aria-label={t.batch.toolbar} data-testid="batch-toolbar">
      <strong>{t.batch.selected(selected.length)}</strong>
      {ACTIONS.map((a) => (
        <button key={a} type="button" class={`button button-small ${a === 'delete' ? 'button-danger-outline' : ''}`} data-batch={a} disabled={busy} onClick={() => act(a)}>
          {t.actions.labels[a]}
        </button>
      ))}
      <button type="button" class="button button-small" onClick={onClear}>
        {t.batch.clear}
      </button>
      <ErrorNote message={error} />
      {confirming && (
        <ConfirmDialog
          title={confirming === 'delete' ? t.batch.confirmDelete(selected.length) : t.batch.confirmForceStop(selected.length)}
          message={confirming === 'delete' ? t.batch.confirmDeleteMessage(names) : t.batch.confirmForceStopMessage}
          confirmLabel={t.actions.labels[confirming]}
          onConfirm={() => start(confirming)}
          onClose={() => setConfirming(undefined)}
        />
      )}
    </div>
  );
}
