/** @jsxImportSource hono/jsx/dom */
/** Instances: the list with state, host, address, cores and memory; filters, search, sorting, row controls, a selection with batch actions, and the create dialog. */
import { useState } from 'hono/jsx/dom';
import type { Host, Instance, Operation } from '../../shared/api-types.js';
import { INSTANCE_STATES } from '../../shared/instance-states.js';
import { api } from '../api.js';
import { BatchResults } from '../components/batch-results.js';
import { BatchToolbar } from '../components/batch-toolbar.js';
import { DataTable, type Column } from '../components/data-table.js';
import { ErrorNote } from '../components/error-note.js';
import { InstanceActions } from '../components/instance-actions.js';
import { PageHeader } from '../components/layout.js';
import { StateBadge } from '../components/state-badge.js';
import { bytes, mib } from '../format.js';
import { t } from '../i18n/index.js';
import { href, routeQuery } from '../router.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { CreateInstanceDialog } from './instance-create.js';
import { may } from '../permissions.js';

/** Instances per page of the list; "Load more" adds a page. */
export const INSTANCES_PAGE = 100;

/** The first `pages` pages of instances (name order) and whether there are more. */
async function load(pages: number): Promise<{ instances: Instance[]; hosts: Host[]; more: boolean }> {
  const hostsLoading = api.hosts.list();
  const instances: Instance[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < pages; i++) {
    const page = await api.instances.page({ limit: INSTANCES_PAGE, cursor });
    instances.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (!cursor) break;
  }
  return { instances, hosts: await hostsLoading, more: cursor !== undefined };
}

const value = (e: Event) => (e.target as HTMLSelectElement).value;

/** `cur` with `ids` ticked (`on`) or unticked. */
function toggled(cur: Set<string>, ids: string[], on: boolean): Set<string> {
  const next = new Set(cur);
  for (const id of ids) {
    if (on) next.add(id);
    else next.delete(id);
  }
  return next;
}

/** No instance yet: create the first one, or, with nothing to install from, upload an image first. */
function EmptyInstances({ onCreate }: { onCreate: () => void }) {
  const sources = useResource(async () => (await api.images.list()).length + (await api.media.list()).length, 0);
  if (sources.data === undefined) return null;
  if (sources.data === 0)
    return (
      <div class="empty" data-testid="instances-empty">
        <p>{t.instances.emptyNeedsImage}</p>
        <a class="button button-primary" href={href('images')}>
          {t.create.uploadImage}
        </a>
      </div>
    );
  return (
    <div class="empty" data-testid="instances-empty">
      <p>{t.instances.empty}</p>
      <button type="button" class="button button-primary" onClick={onCreate}>
        {t.instances.createFirst}
      </button>
    </div>
  );
}

/** Which instances are ticked, and the ways to change that. */
interface Selection {
  ids: Set<string>;
  toggle(id: string): void;
  /** Ticks all of `ids`, or unticks them when all are ticked already. */
  toggleAll(ids: string[]): void;
}

/** The checkbox column: one per row, and one in the header for every row shown. */
function selectColumn(sel: Selection, shown: Instance[]): Column<Instance> {
  const all = shown.length > 0 && shown.every((i) => sel.ids.has(i.id));
  return {
    key: 'select',
    label: t.batch.selectAll,
    header: <input type="checkbox" aria-label={t.batch.selectAll} checked={all} onChange={() => sel.toggleAll(shown.map((i) => i.id))} />,
    render: (i) => <input type="checkbox" name="select" aria-label={t.batch.select(i.name)} checked={sel.ids.has(i.id)} onChange={() => sel.toggle(i.id)} />,
  };
}

/** The columns of the instances table. */
function columns(hosts: Map<string, Host>, sel: Selection, shown: Instance[]): Column<Instance>[] {
  const hostName = (i: Instance) => hosts.get(i.hostId)?.name ?? '';
  return [
    selectColumn(sel, shown),
    { key: 'name', label: t.instances.name, sort: (i) => i.name, render: (i) => <a href={href('instances', i.id)} class="strong">{i.name}</a> },
    { key: 'state', label: t.instances.state, sort: (i) => i.state, render: (i) => <StateBadge state={i.state} title={i.stateReason} /> },
    {
      key: 'host',
      label: t.instances.host,
      sort: hostName,
      render: (i) => (hosts.get(i.hostId) ? <a href={href('hosts', i.hostId)}>{hostName(i)}</a> : <span class="muted">…</span>),
    },
    { key: 'address', label: t.instances.address, sort: (i) => i.address ?? '', render: (i) => <span class="mono">{i.address || '—'}</span> },
    { key: 'cores', label: t.instances.cores, num: true, sort: (i) => i.cores, render: (i) => i.cores },
    { key: 'memory', label: t.instances.memory, num: true, sort: (i) => i.memoryMiB, render: (i) => mib(i.memoryMiB) },
    { key: 'disk', label: t.instances.disk, num: true, sort: (i) => i.diskSizeBytes, render: (i) => bytes(i.diskSizeBytes) },
    { key: 'actions', label: t.table.actions, render: (i) => <InstanceActions instance={i} compact /> },
  ];
}

/** The instances list. */
export function InstancesPage() {
  const query = routeQuery();
  const [pages, setPages] = useState(1);
  const res = useResource(() => load(pages), 3000, String(pages));
  const [state, setState] = useState(query.get('state') ?? '');
  const [host, setHost] = useState(query.get('host') ?? '');
  const [creating, setCreating] = useState(false);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [batch, setBatch] = useState<Operation | undefined>(undefined);
  useTitle(t.nav.instances);
  const hosts = new Map((res.data?.hosts ?? []).map((h) => [h.id, h]));
  const all = res.data?.instances ?? [];
  const rows = all.filter((i) => (!state || i.state === state) && (!host || i.hostId === host));
  const selected = all.filter((i) => picked.has(i.id)); // instances gone meanwhile drop out
  const sel: Selection = {
    ids: picked,
    toggle: (id) => setPicked((cur) => toggled(cur, [id], !cur.has(id))),
    toggleAll: (ids) => setPicked((cur) => toggled(cur, ids, !ids.every((id) => cur.has(id)))),
  };
  const filters = (
    <>
      <select aria-label={t.instances.stateFilter} value={state} onChange={(e: Event) => setState(value(e))}>
        <option value="">{t.instances.allStates}</option>
        {INSTANCE_STATES.map((s) => (
          <option key={s} value={s}>
            {t.states[s] ?? s}
          </option>
        ))}
      </select>
      <select aria-label={t.instances.hostFilter} value={host} onChange={(e: Event) => setHost(value(e))}>
        <option value="">{t.instances.allHosts}</option>
        {[...hosts.values()].map((h) => (
          <option key={h.id} value={h.id}>
            {h.name}
          </option>
        ))}
      </select>
    </>
  );

  return (
    <>
      <PageHeader title={t.nav.instances} sub={res.data ? (res.data.more ? t.instances.loaded(all.length) : t.instances.total(all.length)) : undefined}>
        {may('instances.create') && (
          <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
            {t.instances.newInstance}
          </button>
        )}
      </PageHeader>
      <ErrorNote message={res.error} />
      {res.data && all.length === 0 && <EmptyInstances onCreate={() => setCreating(true)} />}
      {batch && <BatchResults operation={batch} onDismiss={() => setBatch(undefined)} />}
      {selected.length > 0 && <BatchToolbar selected={selected} onClear={() => setPicked(new Set())} onStarted={setBatch} />}
      {all.length > 0 && (
        <DataTable
          id="instances-table"
          columns={columns(hosts, sel, rows)}
          rows={rows}
          rowKey={(i) => i.id}
          rowAttrs={(i) => ({ 'data-id': i.id, 'data-name': i.name, 'data-state': i.state })}
          searchText={(i) => [i.name, i.id, i.address ?? '', hosts.get(i.hostId)?.name ?? ''].join(' ')}
          searchLabel={t.instances.search}
          initialSearch={query.get('q') ?? ''}
          filters={filters}
        />
      )}
      {res.data?.more && (
        <p class="load-more">
          <button type="button" class="button" data-testid="instances-load-more" onClick={() => setPages(pages + 1)}>
            {t.instances.loadMore}
          </button>
        </p>
      )}
      {creating && <CreateInstanceDialog onClose={() => setCreating(false)} onBatch={setBatch} />}
    </>
  );
}
