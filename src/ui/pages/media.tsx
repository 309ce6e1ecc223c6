/** @jsxImportSource hono/jsx/dom */
/** ISO media: list, upload with progress, download, delete. */
import { useState } from 'hono/jsx/dom';
import type { ItemList, Media } from '../../shared/api-types.js';
import { get, send } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { UploadForm } from '../components/upload-form.js';
import { bytes, dateTime } from '../format.js';
import { useResource } from '../use-resource.js';

/** The media page. */
export function MediaPage() {
  const res = useResource(() => get<ItemList<Media>>('media'), 10000);
  const [deleting, setDeleting] = useState<Media | undefined>(undefined);
  const items = res.data?.items ?? [];
  return (
    <>
      <PageHeader title="Media" sub="ISO images to install from or attach read-only." />
      <UploadForm kind="media" onDone={res.reload} />
      <ErrorNote message={res.error} />
      {res.data && items.length === 0 && <p class="muted empty">No ISO yet. Upload one above.</p>}
      {items.length > 0 && (
        <div class="table-wrap">
          <table class="table table-cards" id="media-table">
            <thead>
              <tr>
                <th>Name</th>
                <th class="num">Size</th>
                <th>SHA-256</th>
                <th>Uploaded</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id} data-name={m.name}>
                  <td data-label="Name" class="strong">{m.name}</td>
                  <td data-label="Size" class="num">{bytes(m.sizeBytes)}</td>
                  <td data-label="SHA-256" class="mono" title={m.sha256}>{m.sha256.slice(0, 12)}…</td>
                  <td data-label="Uploaded">{dateTime(m.createdAt)}</td>
                  <td data-label="Actions">
                    <div class="actions actions-compact">
                      <a class="button button-small" href={`api/v1/media/${encodeURIComponent(m.id)}/content`} download>
                        Download
                      </a>
                      <button type="button" class="button button-small button-danger-outline" onClick={() => setDeleting(m)}>
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ISO ${deleting.name}?`}
          message="The file is removed from the server. The API refuses while an instance has it attached."
          confirmLabel="Delete"
          onConfirm={async () => {
            await send('DELETE', `media/${encodeURIComponent(deleting.id)}`);
            res.reload();
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
