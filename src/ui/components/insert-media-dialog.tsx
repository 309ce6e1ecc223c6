/** @jsxImportSource hono/jsx/dom */
/** Picks an ISO from the media list and inserts it into an instance's CD-ROM drive. */
import type { Instance } from '../../shared/api-types.js';
import { changeMedia } from '../actions.js';
import { bytes } from '../format.js';
import { href } from '../router.js';
import { t } from '../i18n/index.js';
import { useSubmit } from '../form.js';
import { useMediaChoice } from '../use-media-choice.js';
import { ErrorNote } from './error-note.js';
import { Modal } from './modal.js';

/** The picker; closes once the API has inserted the ISO. */
export function InsertMediaDialog({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const { media, choice, setChoice, error } = useMediaChoice((m) => m.id !== instance.mediaId);
  const insert = useSubmit(async () => {
    await changeMedia(instance, choice, media?.find((m) => m.id === choice)?.name);
    onClose();
  });
  return (
    <Modal title={t.isoButtons.dialogTitle(instance.name)} onClose={onClose}>
      {!media && !error && <p class="muted">{t.app.loading}</p>}
      {media && media.length === 0 && (
        <p class="muted">
          {t.isoButtons.noIso} <a href={href('media')}>{t.isoButtons.uploadOne}</a>
        </p>
      )}
      {media && media.length > 0 && (
        <label class="field">
          <span>{t.isoButtons.iso}</span>
          <select name="mediaId" value={choice} onChange={(e: Event) => setChoice((e.target as HTMLSelectElement).value)}>
            {media.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({bytes(m.sizeBytes)}){m.id === instance.mediaId ? ` · ${t.isoButtons.inserted}` : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      <p class="muted small">
        {instance.state === 'running' ? t.isoButtons.runningHint : t.isoButtons.stoppedHint}
      </p>
      <ErrorNote message={error ?? insert.error} />
      <div class="form-actions">
        <button type="button" class="button" onClick={onClose}>
          {t.common.cancel}
        </button>
        <button type="button" class="button button-primary" disabled={!choice || insert.busy} onClick={() => void insert.run()}>
          {t.isoButtons.insertButton}
        </button>
      </div>
    </Modal>
  );
}
