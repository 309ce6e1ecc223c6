/** @jsxImportSource hono/jsx/dom */
/** Disk images: list, upload with progress, import from a URL, download, delete, and "create an instance from this image". */
import { useState } from 'hono/jsx/dom';
import type { Image } from '../../shared/api-types.js';
import { api } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { DataTable, type Column } from '../components/data-table.js';
import { EditImageDialog } from '../components/edit-image-dialog.js';
import { ErrorNote } from '../components/error-note.js';
import { FileActions, ShaCell } from '../components/file-actions.js';
import { PageHeader } from '../components/layout.js';
import { UploadForm } from '../components/upload-form.js';
import { UrlImportForm } from '../components/url-import-form.js';
import { bytes, dateTime } from '../format.js';
import { t } from '../i18n/index.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { CreateInstanceDialog } from './instance-create.js';

/** The columns of the images table; `act` opens a row's dialog. */
function columns(act: (dialog: 'create' | 'delete' | 'edit', image: Image) => void): Column<Image>[] {
  return [
    {
      key: 'name',
      label: t.images.name,
      sort: (i) => i.name,
      render: (i) => (
        <div>
          <span class="strong">{i.name}</span>
          {i.state === 'importing' && (
            <>
              {' '}
              <span class="badge" data-testid="image-importing">{t.images.importing}</span>
            </>
          )}
          {i.description && <div class="muted small">{i.description}</div>}
          {i.tags.length > 0 && (
            <div class="tags">
              {i.tags.map((tag) => (
                <span key={tag} class="badge tag">{tag}</span>
              ))}
            </div>
          )}
        </div>
      ),
    },
    { key: 'format', label: t.images.format, sort: (i) => i.format, render: (i) => i.format },
    { key: 'fileSize', label: t.images.fileSize, num: true, sort: (i) => i.sizeBytes, render: (i) => bytes(i.sizeBytes) },
    { key: 'diskSize', label: t.images.diskSize, num: true, sort: (i) => i.virtualSizeBytes, render: (i) => bytes(i.virtualSizeBytes) },
    { key: 'os', label: t.images.os, sort: (i) => i.os, render: (i) => i.os || '—' },
    { key: 'sha', label: t.images.sha, render: (i) => <ShaCell sha256={i.sha256} /> },
    { key: 'uploaded', label: t.images.uploaded, sort: (i) => i.createdAt, render: (i) => dateTime(i.createdAt) },
    {
      key: 'actions',
      label: t.table.actions,
      // An image being converted cannot back a disk or be downloaded yet (the API says image_not_ready).
      render: (i) => i.state === 'importing' ? <span class="muted small">{t.upload.converting}</span> : (
        <FileActions href={api.images.contentUrl(i.id)} onDelete={() => act('delete', i)}>
          <button type="button" class="button button-small button-primary" data-action="create-instance" onClick={() => act('create', i)}>
            {t.images.createInstance}
          </button>
          <button type="button" class="button button-small" data-action="edit" onClick={() => act('edit', i)}>
            {t.images.edit}
          </button>
        </FileActions>
      ),
    },
  ];
}

/** The images page. */
export function ImagesPage() {
  const res = useResource(api.images.list, 10000);
  const [dialog, setDialog] = useState<{ kind: 'create' | 'delete' | 'edit'; image: Image } | undefined>(undefined);
  const items = res.data ?? [];
  useTitle(t.nav.images);
  return (
    <>
      <PageHeader title={t.nav.images} sub={t.images.sub} />
      <UploadForm kind="images" onDone={res.reload} />
      <UrlImportForm onDone={res.reload} />
      <ErrorNote message={res.error} />
      {res.data && items.length === 0 && <p class="muted empty">{t.images.empty}</p>}
      {items.length > 0 && (
        <DataTable
        id="images-table"
        columns={columns((kind, image) => setDialog({ kind, image }))}
        rows={items}
        rowKey={(i) => i.id}
        rowAttrs={(i) => ({ 'data-id': i.id, 'data-name': i.name })}
        searchText={(i) => [i.name, i.description, i.os, i.format, ...i.tags].join(' ')}
        searchLabel={t.images.search}
        />
      )}
      {dialog?.kind === 'create' && <CreateInstanceDialog imageId={dialog.image.id} onClose={() => setDialog(undefined)} />}
      {dialog?.kind === 'edit' && <EditImageDialog image={dialog.image} onClose={() => setDialog(undefined)} onSaved={res.reload} />}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={t.images.deleteTitle(dialog.image.name)}
          message={t.images.deleteMessage}
          confirmLabel={t.common.delete}
          onConfirm={async () => {
            await api.images.delete(dialog.image.id);
            res.reload();
          }}
          onClose={() => setDialog(undefined)}
        />
      )}
    </>
  );
}
