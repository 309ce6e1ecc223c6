/** @jsxImportSource hono/jsx/dom */
/** Disk images: list, upload with progress, download, delete. */
import { useState } from 'hono/jsx/dom';
import type { Image } from '../../shared/api-types.js';
import { api } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { FileActions, ShaCell } from '../components/file-actions.js';
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { UploadForm } from '../components/upload-form.js';
import { bytes, dateTime } from '../format.js';
import { t } from '../i18n/index.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';

/** The images page. */
export function ImagesPage() {
  const res = useResource(api.images.list, 10000);
  const [deleting, setDeleting] = useState<Image | undefined>(undefined);
  const items = res.data ?? [];
  useTitle(t.nav.images);
  return (
    <>
      <PageHeader title="Images" sub="Disk images that instances start from." />
      <UploadForm kind="images" onDone={res.reload} />
      <ErrorNote message={res.error} />
      {res.data && items.length === 0 && <p class="muted empty">No image yet. Upload a qcow2 or raw disk image above.</p>}
      {items.length > 0 && (
        <div class="table-wrap">
          <table class="table table-cards" id="images-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Format</th>
                <th class="num">File size</th>
                <th class="num">Disk size</th>
                <th>OS</th>
                <th>SHA-256</th>
                <th>Uploaded</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.id} data-name={i.name}>
                  <td data-label="Name" class="strong">
                    {i.name}
                    {i.description && <div class="muted small">{i.description}</div>}
                  </td>
                  <td data-label="Format">{i.format}</td>
                  <td data-label="File size" class="num">{bytes(i.sizeBytes)}</td>
                  <td data-label="Disk size" class="num">{bytes(i.virtualSizeBytes)}</td>
                  <td data-label="OS">{i.os || '—'}</td>
                  <ShaCell sha256={i.sha256} />
                  <td data-label="Uploaded">{dateTime(i.createdAt)}</td>
                  <FileActions href={api.images.contentUrl(i.id)} onDelete={() => setDeleting(i)} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete image ${deleting.name}?`}
          message="Instances that were cloned from this image keep working only if they are full copies; the API refuses while linked clones depend on it."
          confirmLabel="Delete"
          onConfirm={async () => {
            await api.images.delete(deleting.id);
            res.reload();
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
