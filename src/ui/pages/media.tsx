/** @jsxImportSource hono/jsx/dom */
/** ISO media: list with the instances each ISO is inserted in, upload with progress, download, delete. */
import { useState } from 'hono/jsx/dom';
import type { Instance, Media } from '../../shared/api-types.js';
import { api } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { DataTable, type Column } from '../components/data-table.js';
import { ErrorNote } from '../components/error-note.js';
import { FileActions, ShaCell } from '../components/file-actions.js';
import { PageHeader } from '../components/layout.js';
import { UploadForm } from '../components/upload-form.js';
import { bytes, dateTime } from '../format.js';
import { t } from '../i18n/index.js';
import { href } from '../router.js';
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

/** The columns of the media table. */
function columns(usersOf: (m: Media) => Instance[], onDelete: (m: Media) => void): Column<Media>[] {
  return [
    {
      key: 'name',
      label: t.media.name,
      sort: (m) => m.name,
      render: (m) => (
        <div>
          <span class="strong">{m.name}</span>
          {m.description && <div class="muted small">{m.description}</div>}
        </div>
      ),
    },
    { key: 'size', label: t.media.size, num: true, sort: (m) => m.sizeBytes, render: (m) => bytes(m.sizeBytes) },
    { key: 'insertedIn', label: t.media.insertedIn, sort: (m) => usersOf(m).length, render: (m) => <InsertedIn users={usersOf(m)} /> },
    { key: 'sha', label: t.media.sha, render: (m) => <ShaCell sha256={m.sha256} /> },
    { key: 'uploaded', label: t.media.uploaded, sort: (m) => m.createdAt, render: (m) => dateTime(m.createdAt) },
    { key: 'actions', label: t.table.actions, render: (m) => <FileActions href={api.media.contentUrl(m.id)} onDelete={() => onDelete(m)} /> },
  ];
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
      <PageHeader title={t.nav.media} sub={t.media.sub} />
      <UploadForm kind="media" onDone={res.reload} />
      <ErrorNote message={res.error} />
      {res.data && items.length === 0 && <p class="muted empty">{t.media.empty}</p>}
      {items.length > 0 && (
        <DataTable
          id="media-table"
          columns={columns(usersOf, setDeleting)}
          rows={items}
          rowKey={(m) => m.id}
          rowAttrs={(m) => ({ 'data-id': m.id, 'data-name': m.name })}
          searchText={(m) => [m.name, m.description, ...usersOf(m).map((i) => i.name)].join(' ')}
          searchLabel={t.media.search}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t.media.deleteTitle(deleting.name)}
          message={deletingUsers.length > 0 ? t.media.deleteInUse(deletingUsers.join(', ')) : t.media.deleteMessage}
          confirmLabel={t.common.delete}
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
