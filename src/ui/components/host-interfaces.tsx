/** @jsxImportSource hono/jsx/dom */
/** A host's network interfaces (kind, addresses, the bridge each is a port of, the default route) and the way to make a bridge. */
import { useState } from 'hono/jsx/dom';
import type { HostInterface } from '../../shared/api-types.js';
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { useResource } from '../use-resource.js';
import { BridgeSetupDialog } from './bridge-setup-dialog.js';
import { DataTable, type Column } from './data-table.js';
import { ErrorNote } from './error-note.js';

const columns = (): Column<HostInterface>[] => [
  { key: 'name', label: t.bridge.ifName, sort: (i) => i.name, render: (i) => <span class="mono strong">{i.name}</span> },
  { key: 'kind', label: t.bridge.ifKind, sort: (i) => i.kind, render: (i) => t.bridge.kinds[i.kind] ?? i.kind },
  { key: 'state', label: t.bridge.ifState, render: (i) => (i.up ? t.bridge.up : t.bridge.down) },
  { key: 'addresses', label: t.bridge.ifAddresses, render: (i) => <span class="mono">{i.addresses.join(', ') || '—'}</span> },
  {
    key: 'master',
    label: t.bridge.ifMaster,
    render: (i) => (
      <>
        {i.master ? t.bridge.portOf(i.master) : ''}
        {i.defaultRoute && <span class="badge badge-creating">{t.bridge.defaultRoute}</span>}
      </>
    ),
  },
];

/** The card on the host page. */
export function HostInterfaces({ hostId }: { hostId: string }) {
  const res = useResource(() => api.hosts.interfaces(hostId), 10000, hostId);
  const [open, setOpen] = useState(false);
  return (
    <section class="card" aria-label={t.bridge.interfacesTitle}>
      <div class="card-head">
        <h2>{t.bridge.interfacesTitle}</h2>
        <button type="button" class="button button-small" data-action="make-bridge" disabled={!res.data} onClick={() => setOpen(true)}>
          {t.bridge.button}
        </button>
      </div>
      <p class="muted small">{t.bridge.interfacesHint}</p>
      <ErrorNote message={res.error} />
      {res.data && (
        <DataTable id="interfaces-table" columns={columns()} rows={res.data} rowKey={(i) => i.name} rowAttrs={(i) => ({ 'data-name': i.name, 'data-master': i.master ?? '' })} />
      )}
      {open && res.data && <BridgeSetupDialog hostId={hostId} interfaces={res.data} onClose={() => setOpen(false)} onDone={res.reload} />}
    </section>
  );
}
