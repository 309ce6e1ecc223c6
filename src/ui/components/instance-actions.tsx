/** @jsxImportSource hono/jsx/dom */
/**
 * The power controls that match an instance's state, with the same names wherever they show
 * (page header, list rows, console toolbars): start, start from ISO, resume, shut down, reboot,
 * pause, force stop and force reboot (both confirmed), delete (confirmed).
 */
import { useState } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import { actionsFor, CONFIRMED_ACTIONS, startAction, type InstanceAction } from '../actions.js';
import { t } from '../i18n/index.js';
import { href, navigate } from '../router.js';
import { useSubmit } from '../form.js';
import { useMediaChoice } from '../use-media-choice.js';
import { may } from '../permissions.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { ErrorNote } from './error-note.js';
import { Modal } from './modal.js';

/** Picks an ISO and starts the instance from it. */
function StartFromIsoDialog({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const { media, choice, setChoice, error } = useMediaChoice();
  const start = useSubmit(async () => {
    await startAction(instance, 'start-from-iso', choice);
    onClose();
  });
  return (
    <Modal title={t.actions.startFromIsoTitle(instance.name)} onClose={onClose}>
      {media && media.length === 0 && (
        <p class="muted">
          {t.actions.noIso} <a href={href('media')}>{t.actions.uploadOnMedia}</a>
        </p>
      )}
      {media && media.length > 0 && (
        <label class="field">
          <span>{t.actions.iso}</span>
          <select value={choice} onChange={(e: Event) => setChoice((e.target as HTMLSelectElement).value)}>
            {media.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <ErrorNote message={error ?? start.error} />
      <div class="form-actions">
        <button type="button" class="button" onClick={onClose}>
          {t.common.cancel}
        </button>
        <button type="button" class="button button-primary" disabled={!choice || start.busy} onClick={() => void start.run()}>
          {t.actions.labels['start-from-iso']}
        </button>
      </div>
    </Modal>
  );
}

/** The confirmation of an action that cannot be taken back. */
function ConfirmAction({ instance, action, onClose }: { instance: Instance; action: InstanceAction; onClose: () => void }) {
  const text =
    action === 'force-stop'
      ? { title: t.actions.confirmForceStop(instance.name), message: t.actions.confirmForceStopMessage(instance.name) }
      : action === 'reset'
        ? { title: t.actions.confirmReset(instance.name), message: t.actions.confirmResetMessage(instance.name) }
        : { title: t.actions.confirmDelete(instance.name), message: t.actions.confirmDeleteMessage(instance.name, instance.state !== 'stopped') };
  return (
    <ConfirmDialog
      title={text.title}
      message={text.message}
      confirmLabel={t.actions.labels[action]}
      onConfirm={async () => {
        await startAction(instance, action);
        if (action === 'delete' && location.hash.includes(instance.id)) navigate('instances');
      }}
      onClose={onClose}
    />
  );
}

const primary = new Set<InstanceAction>(['start', 'resume', 'stop']);
const danger = new Set<InstanceAction>(['delete']);

/** Buttons for one instance; `compact` for table rows and toolbars; `consoleLink` adds the Console link when running. */
export function InstanceActions({ instance, compact, exclude = [], consoleLink = true }: { instance: Instance; compact?: boolean; exclude?: InstanceAction[]; consoleLink?: boolean }) {
  const [dialog, setDialog] = useState<InstanceAction | undefined>(undefined);
  const act = (action: InstanceAction) => {
    if (action === 'start-from-iso' || CONFIRMED_ACTIONS.includes(action)) return setDialog(action);
    startAction(instance, action).catch(() => undefined); // failures are shown in the activity panel
  };
  const actions = actionsFor(instance.state).filter((a) => !exclude.includes(a) && may(a === 'delete' ? 'instances.delete' : 'instances.power', instance.groupId));
  return (
    <div class={`actions ${compact ? 'actions-compact' : ''}`}>
      {consoleLink && instance.state === 'running' && may('instances.console', instance.groupId) && (
        <a class="button button-small" href={href('instances', instance.id, 'console')}>
          {t.actions.console}
        </a>
      )}
      {actions.map((a) => (
        <button
          key={a}
          type="button"
          class={`button button-small ${primary.has(a) ? 'button-primary' : ''} ${danger.has(a) ? 'button-danger-outline' : ''}`}
          data-action={a}
          title={t.actions.hints[a]}
          onClick={() => act(a)}
        >
          {t.actions.labels[a]}
        </button>
      ))}
      {dialog === 'start-from-iso' && <StartFromIsoDialog instance={instance} onClose={() => setDialog(undefined)} />}
      {dialog && dialog !== 'start-from-iso' && <ConfirmAction instance={instance} action={dialog} onClose={() => setDialog(undefined)} />}
    </div>
  );
}
