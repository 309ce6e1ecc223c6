/** @jsxImportSource hono/jsx/dom */
/**
 * The controls that match an instance's state: start, start from ISO, console, stop, force
 * stop, reboot, force reboot and delete (with confirmation).
 */
import { useState } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import { actionLabels, actionsFor, startAction, type InstanceAction } from '../actions.js';
import { href, navigate } from '../router.js';
import { errorText } from '../store.js';
import { useMediaChoice } from '../use-media-choice.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { ErrorNote } from './error-note.js';
import { Modal } from './modal.js';

/** Picks an ISO and starts the instance from it. */
function StartFromIsoDialog({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const { media, choice, setChoice, error, setError } = useMediaChoice();
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setError(undefined);
    setBusy(true);
    try {
      await startAction(instance, 'start-from-iso', choice);
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <Modal title={`Start ${instance.name} from an ISO`} onClose={onClose}>
      {media && media.length === 0 && <p class="muted">No ISO uploaded yet. Upload one on the <a href={href('media')}>Media</a> page.</p>}
      {media && media.length > 0 && (
        <label class="field">
          <span>ISO</span>
          <select value={choice} onChange={(e: Event) => setChoice((e.target as HTMLSelectElement).value)}>
            {media.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <ErrorNote message={error} />
      <div class="form-actions">
        <button type="button" class="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" class="button button-primary" disabled={!choice || busy} onClick={start}>
          Start from ISO
        </button>
      </div>
    </Modal>
  );
}

const primary = new Set<InstanceAction>(['start', 'stop']);

/** Buttons for one instance; `compact` for table rows. */
export function InstanceActions({ instance, compact, exclude = [] }: { instance: Instance; compact?: boolean; exclude?: InstanceAction[] }) {
  const [dialog, setDialog] = useState<'' | 'delete' | 'iso'>('');
  const act = (action: InstanceAction) => {
    if (action === 'delete') return setDialog('delete');
    if (action === 'start-from-iso') return setDialog('iso');
    startAction(instance, action).catch(() => undefined); // failures are shown in the activity panel
  };
  const actions = actionsFor(instance.state).filter((a) => !exclude.includes(a));
  return (
    <div class={`actions ${compact ? 'actions-compact' : ''}`}>
      {instance.state === 'running' && (
        <a class="button button-small" href={href('instances', instance.id, 'console')}>
          Console
        </a>
      )}
      {actions.map((a) => (
        <button
          key={a}
          type="button"
          class={`button button-small ${primary.has(a) ? 'button-primary' : ''} ${a === 'delete' ? 'button-danger-outline' : ''}`}
          data-action={a}
          onClick={() => act(a)}
        >
          {actionLabels[a]}
        </button>
      ))}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={`Delete ${instance.name}?`}
          message={`This ${instance.state === 'stopped' ? '' : 'powers off and '}deletes the instance ${instance.name} and its disks. It cannot be undone.`}
          confirmLabel="Delete"
          onConfirm={async () => {
            await startAction(instance, 'delete');
            if (location.hash.includes(instance.id)) navigate('instances');
          }}
          onClose={() => setDialog('')}
        />
      )}
      {dialog === 'iso' && <StartFromIsoDialog instance={instance} onClose={() => setDialog('')} />}
    </div>
  );
}
