/** @jsxImportSource hono/jsx/dom */
/** ISO media: list with the instances each ISO is inserted in, upload with progress, download, delete. */
import { useState } from 'hono/jsx/dom';
import type { Instance, Media } from '../../shared/api-types.js';
import { api } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { FileActions, ShaCell } from '../components/file-actions.js';
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { UploadForm } from '../components/upload-form.js';
import { bytes, dateTime } from '../format.js';
import { href } from '../router.js';
import { t } from '../i18n/index.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';

async function load(): Promise<{ items: Media[]; instances: Instance[] }> {
  const [items, instances] = await Promise.all([api.media.list(), api.instances.list()]);
  return { items, instances };
}

/** Links to the instances that have an ISO in their drive. */
function InsertedIn({ users }: { users: Instance[] }) {
  if (users.length === 0) return <span class="muted">—</span>;
  return (
    <span class="inserted-in">
      {users.map((i, n) => (
        <span key={i.id}>
          {n > 0 && ', '}
          <a href={href('instances', i.id)}>{i.name}</a>
        </span>
      ))}
    </span>
  );
}

/** The media page. */
export function MediaPage() {
  const res = useResource(load, 10000);
  const [deleting, setDeleting] = useState<Media | undefined>(undefined);
  const items = res.data?.items ?? [];
  useTitle(t.nav.media);
  const usersOf = (m: Media) => (res.data?.instances ?? []).filter((i) => i.mediaId === m.id);
  const deletingUsers = deleting ? usersOf(deleting).map((i) => i.name) : [];
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
                <th>Inserted in</th>
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
                  <td data-label="Inserted in"><InsertedIn users={usersOf(m)} /></td>
                  <ShaCell sha256={m.sha256} />
                  <td data-label="Uploaded">{dateTime(m.createdAt)}</td>
                  <FileActions href={api.media.contentUrl(m.id)} onDelete={() => setDeleting(m)} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ISO ${deleting.name}?`}
          message={
            deletingUsers.length > 0
              ? `It is inserted in ${deletingUsers.join(', ')}: eject it there first, or the server refuses.`
              : 'The file is removed from the server.'
          }
          confirmLabel="Delete"
          onConfirm={async () => {
            await api.media.delete(deleting.id);
            res.reload();
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
