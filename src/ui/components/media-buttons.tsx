/** @jsxImportSource hono/jsx/dom */
/** "Insert ISO" and "Eject ISO" for an instance's CD-ROM drive (console toolbar and Overview). */
import { useState } from 'hono/jsx/dom';
import type { Instance } from '../../shared/api-types.js';
import { changeMedia, mediaChangeable } from '../actions.js';
import { t } from '../i18n/index.js';
import { errorText } from '../store.js';
import { ErrorNote } from './error-note.js';
import { InsertMediaDialog } from './insert-media-dialog.js';
import { may } from '../permissions.js';

/**
 * The two buttons and the picker. A refusal's sentence goes to `onError` when given (the
 * console shows it in its own note), otherwise it is shown below the buttons.
 */
export function MediaButtons({ instance, onError }: { instance: Instance; onError?: (message: string | undefined) => void }) {
  const [picking, setPicking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [ownError, setOwnError] = useState<string | undefined>(undefined);
  const report = onError ?? setOwnError;
  const changeable = mediaChangeable(instance.state);
  const why = changeable ? undefined : t.isoButtons.locked(t.states[instance.state] ?? instance.state);
  const eject = async () => {
    report(undefined);
    setBusy(true);
    try {
      await changeMedia(instance, null);
    } catch (err) {
      report(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  // Those who may not power the instance (viewers) get no ISO controls: the API would refuse them.
  if (!may('instances.power', instance.groupId)) return null;
  return (
    <>
      <button type="button" class="button button-small" disabled={!changeable} title={why} onClick={() => (report(undefined), setPicking(true))}>
        {instance.mediaId ? t.isoButtons.change : t.isoButtons.insert}
      </button>
      <button type="button" class="button button-small" disabled={!changeable || !instance.mediaId || busy} title={why} onClick={eject}>
        {t.isoButtons.eject}
      </button>
      {!onError && <ErrorNote message={ownError} />}
      {picking && <InsertMediaDialog instance={instance} onClose={() => setPicking(false)} />}
    </>
  );
}
