/** @jsxImportSource hono/jsx/dom */
/** "Evacuate…" on the host page: a confirmation, then the parent operation's progress in the activity panel. */
import { useState } from 'hono/jsx/dom';
import type { Host } from '../../shared/api-types.js';
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { changes, trackOperation } from '../store.js';
import { ConfirmDialog } from './confirm-dialog.js';

/** The button and its confirmation; `count` is how many instances the host has. */
export function EvacuateButton({ host, count }: { host: Host; count: number }) {
  const [open, setOpen] = useState(false);
  const evacuate = async () => {
    const accepted = await api.hosts.evacuate(host.id);
    changes.set(changes.get() + 1);
    // Followed in the activity panel, which shows a failure with its sentence; the confirmation closes at once.
    void trackOperation(t.evacuate.task(host.name), accepted.operation)
      .catch(() => undefined)
      .finally(() => changes.set(changes.get() + 1));
  };
  return (
    <>
      <button type="button" class="button" data-action="evacuate" onClick={() => setOpen(true)}>
        {t.evacuate.button}
      </button>
      {open && <ConfirmDialog title={t.evacuate.title(host.name)} message={t.evacuate.message(host.name, count)} confirmLabel={t.evacuate.confirm} onConfirm={evacuate} onClose={() => setOpen(false)} />}
    </>
  );
}
