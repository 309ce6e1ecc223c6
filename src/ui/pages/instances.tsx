/** @jsxImportSource hono/jsx/dom */
/** Instances: the list with state, host, address, cores and memory; filters, search, row controls and the create dialog. */
import { useState } from 'hono/jsx/dom';
import type { Host, Instance } from '../../shared/api-types.js';
import { INSTANCE_STATES } from '../../shared/instance-states.js';
import { api } from '../api.js';
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

const states = INSTANCE_STATES;

async function load(): Promise<{ instances: Instance[]; hosts: Host[] }> {
  const [instances, hosts] = await Promise.all([api.instances.list(), api.hosts.list()]);
  return { instances, hosts };
}

const value = (e: Event) => (e.target as HTMLInputElement).value;

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

/** The instances list. */
export function InstancesPage() {
  const query = routeQuery();
  const res = useResource(load, 3000);
  const [search, setSearch] = useState(query.get('q') ?? '');
  const [state, setState] = useState(query.get('state') ?? '');
  const [host, setHost] = useState(query.get('host') ?? '');
  const [creating, setCreating] = useState(false);
  useTitle(t.nav.instances);
  const hosts = new Map((res.data?.hosts ?? []).map((h) => [h.id, h]));
  const needle = search.trim().toLowerCase();
  const rows = (res.data?.instances ?? []).filter(
    (i) =>
      (!state || i.state === state) &&
      (!host || i.hostId === host) &&
      (!needle || [i.name, i.id, i.address ?? '', hosts.get(i.hostId)?.name ?? ''].some((f) => f.toLowerCase().includes(needle))),
  );

  return (
    <>
      <PageHeader title="Instances" sub={res.data ? `${res.data.instances.length} in total` : undefined}>
        <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
          New instance
        </button>
      </PageHeader>
      <div class="toolbar">
        <input class="search" type="search" placeholder="Search name, id, address, host" aria-label="Search" value={search} onInput={(e: Event) => setSearch(value(e))} />
        <select aria-label="State" value={state} onChange={(e: Event) => setState(value(e))}>
          <option value="">All states</option>
          {states.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select aria-label="Host" value={host} onChange={(e: Event) => setHost(value(e))}>
          <option value="">All hosts</option>
          {[...hosts.values()].map((h) => (
            <option key={h.id} value={h.id}>
              {h.name}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote message={res.error} />
      {res.data && res.data.instances.length === 0 && <EmptyInstances onCreate={() => setCreating(true)} />}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="table table-cards" id="instances-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>State</th>
                <th>Host</th>
                <th>Address</th>
                <th class="num">Cores</th>
                <th class="num">Memory</th>
                <th class="num">Disk</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((i) => (
                <tr key={i.id} data-id={i.id} data-name={i.name} data-state={i.state}>
                  <td data-label="Name">
                    <a href={href('instances', i.id)} class="strong">
                      {i.name}
                    </a>
                  </td>
                  <td data-label="State">
                    <StateBadge state={i.state} title={i.stateReason} />
                  </td>
                  <td data-label="Host">{hosts.get(i.hostId) ? <a href={href('hosts', i.hostId)}>{hosts.get(i.hostId)?.name}</a> : i.hostId}</td>
                  <td data-label="Address" class="mono">
                    {i.address || '—'}
                  </td>
                  <td data-label="Cores" class="num">
                    {i.cores}
                  </td>
                  <td data-label="Memory" class="num">
                    {mib(i.memoryMiB)}
                  </td>
                  <td data-label="Disk" class="num">
                    {bytes(i.diskSizeBytes)}
                  </td>
                  <td data-label="Actions">
                    <InstanceActions instance={i} compact />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {res.data && res.data.instances.length > 0 && rows.length === 0 && <p class="muted">No instance matches the filters.</p>}
      {creating && <CreateInstanceDialog onClose={() => setCreating(false)} />}
    </>
  );
}
