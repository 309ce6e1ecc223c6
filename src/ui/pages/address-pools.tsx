/** @jsxImportSource hono/jsx/dom */
/** Address pools: the list with usage bars (create, delete), and one pool with its allocations (edit ranges and DNS, delete). */
import { useState } from 'hono/jsx/dom';
import type { AddressAllocation, AddressPool, Network } from '../../shared/api-types.js';
import { api } from '../api.js';
import { DataTable, type Column } from '../components/data-table.js';
import { DeleteButton } from '../components/delete-button.js';
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { UsageBar } from '../components/usage-bar.js';
import { dateTime } from '../format.js';
import { t } from '../i18n/index.js';
import { href, navigate } from '../router.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { CreateAddressPoolDialog } from './address-pool-create.js';
import { EditAddressPoolDialog } from './address-pool-edit.js';

/** Address pools and the networks they are on. */
async function loadPools(): Promise<{ pools: AddressPool[]; networks: Network[] }> {
  const [pools, networks] = await Promise.all([api.addressPools.list(), api.networks.list()]);
  return { pools, networks };
}

const rangesText = (p: AddressPool) => p.ranges.map((r) => t.addressPools.rangeText(r.start, r.end, r.prefix)).join(', ');
const modeText = (p: AddressPool) => (p.mode === 'dhcp' ? t.addressPools.modeDhcp : t.addressPools.modeStatic);

/** The pool's allocated share as a bar. */
function PoolUsage({ pool }: { pool: AddressPool }) {
  return <UsageBar label="" used={pool.allocated} total={pool.size} detail={t.addressPools.usageDetail(pool.allocated, pool.size)} testId="address-pool-usage" />;
}

/** The network of a pool as a link. */
function NetworkLink({ networks, id }: { networks: Network[]; id: string }) {
  const net = networks.find((n) => n.id === id);
  return net ? <a href={href('networks', net.id)}>{net.name}</a> : <span class="muted">…</span>;
}

/** Delete with confirmation (refused while addresses are allocated: the dialog shows the sentence). */
function DeletePool({ pool, onDeleted }: { pool: AddressPool; onDeleted?: () => void }) {
  return (
    <DeleteButton
      title={t.addressPools.deleteTitle(pool.name)}
      message={pool.allocated > 0 ? t.addressPools.deleteAllocated(pool.allocated) : t.addressPools.deleteMessage}
      onDelete={() => api.addressPools.delete(pool.id)}
      onDeleted={onDeleted}
    />
  );
}

function columns(networks: Network[], reload: () => void): Column<AddressPool>[] {
  return [
    { key: 'name', label: t.addressPools.name, sort: (p) => p.name, render: (p) => <a class="strong" href={href('address-pools', p.id)}>{p.name}</a> },
    { key: 'network', label: t.addressPools.network, sort: (p) => networks.find((n) => n.id === p.networkId)?.name ?? '', render: (p) => <NetworkLink networks={networks} id={p.networkId} /> },
    { key: 'mode', label: t.addressPools.mode, sort: (p) => p.mode, render: modeText },
    { key: 'gateway', label: t.addressPools.gateway, render: (p) => <span class="mono">{p.gateway}</span> },
    { key: 'ranges', label: t.addressPools.ranges, render: (p) => <span class="mono">{rangesText(p)}</span> },
    { key: 'usage', label: t.addressPools.usage, sort: (p) => (p.size ? p.allocated / p.size : 0), render: (p) => <PoolUsage pool={p} /> },
    { key: 'actions', label: t.table.actions, render: (p) => <DeletePool pool={p} onDeleted={reload} /> },
  ];
}

/** The address pools list. */
export function AddressPoolsPage() {
  const res = useResource(loadPools, 5000);
  const [creating, setCreating] = useState(false);
  useTitle(t.nav.addressPools);
  const data = res.data;
  return (
    <>
      <PageHeader title={t.nav.addressPools} sub={t.addressPools.sub}>
        <button type="button" class="button button-primary" onClick={() => setCreating(true)} disabled={!data}>
          {t.addressPools.newPool}
        </button>
      </PageHeader>
      <ErrorNote message={res.error} />
      {data && data.pools.length === 0 && <p class="muted empty">{data.networks.length === 0 ? t.addressPools.emptyNoNetwork : t.addressPools.empty}</p>}
      {data && data.pools.length > 0 && (
        <DataTable
          id="address-pools-table"
          columns={columns(data.networks, res.reload)}
          rows={data.pools}
          rowKey={(p) => p.id}
          rowAttrs={(p) => ({ 'data-id': p.id, 'data-name': p.name })}
          searchText={(p) => [p.name, p.gateway, rangesText(p)].join(' ')}
          searchLabel={t.addressPools.search}
          initialSort="name"
        />
      )}
      {creating && data && (
        <CreateAddressPoolDialog networks={data.networks} pools={data.pools} onClose={() => setCreating(false)} onCreated={(p) => navigate('address-pools', p.id)} />
      )}
    </>
  );
}

/** The allocations table: address → MAC and instance. */
function Allocations({ items }: { items: AddressAllocation[] }) {
  if (items.length === 0) return <p class="muted">{t.addressPools.noAllocations}</p>;
  const cols: Column<AddressAllocation>[] = [
    { key: 'address', label: t.addressPools.address, render: (a) => <span class="mono">{a.address}</span> },
    { key: 'mac', label: t.addressPools.mac, render: (a) => <span class="mono">{a.mac}</span> },
    { key: 'instance', label: t.addressPools.instance, sort: (a) => a.instanceName, render: (a) => <a href={href('instances', a.instanceId)}>{a.instanceName}</a> },
  ];
  return <DataTable id="allocations-table" columns={cols} rows={items} rowKey={(a) => a.nicId} rowAttrs={(a) => ({ 'data-address': a.address, 'data-instance': a.instanceName })} />;
}

/** One address pool. */
export function AddressPoolPage({ id }: { id: string }) {
  const res = useResource(() => Promise.all([api.addressPools.get(id), loadPools()]), 5000, id);
  const [editing, setEditing] = useState(false);
  const [pool, all] = res.data ?? [];
  useTitle(pool?.name, t.nav.addressPools);
  if (!pool || !all) return res.error ? <ErrorNote message={res.error} /> : <p class="muted">{t.app.loading}</p>;
  const network = all.networks.find((n) => n.id === pool.networkId);
  return (
    <>
      <PageHeader title={t.addressPools.title(pool.name)} sub={<><a href={href('address-pools')}>{t.nav.addressPools}</a> / {pool.name}</>}>
        <button type="button" class="button button-small" onClick={() => setEditing(true)}>
          {t.addressPools.edit}
        </button>
        <DeletePool pool={pool} onDeleted={() => navigate('address-pools')} />
      </PageHeader>
      <ErrorNote message={res.error} />
      <div class="grid-2">
        <section class="card" aria-label={t.addressPools.details}>
          <h2>{t.addressPools.details}</h2>
          <dl class="kv" data-testid="address-pool-details">
            <dt>{t.addressPools.network}</dt>
            <dd><NetworkLink networks={all.networks} id={pool.networkId} /></dd>
            <dt>{t.addressPools.mode}</dt>
            <dd>{modeText(pool)}</dd>
            <dt>{t.addressPools.gateway}</dt>
            <dd class="mono">{pool.gateway}</dd>
            <dt>{t.addressPools.dns}</dt>
            <dd class="mono">{pool.dnsServers.length ? pool.dnsServers.join(', ') : <span class="muted">{t.common.none}</span>}</dd>
            <dt>{t.addressPools.ranges}</dt>
            <dd class="mono">{rangesText(pool)}</dd>
            <dt>{t.addressPools.created}</dt>
            <dd>{dateTime(pool.createdAt)}</dd>
          </dl>
        </section>
        <section class="card" aria-label={t.addressPools.usage}>
          <h2>{t.addressPools.usage}</h2>
          <PoolUsage pool={pool} />
        </section>
      </div>
      <section class="card" aria-label={t.addressPools.allocations}>
        <h2>{t.addressPools.allocations}</h2>
        <Allocations items={pool.allocations} />
      </section>
      {editing && <EditAddressPoolDialog pool={pool} network={network} others={all.pools} onClose={() => { setEditing(false); res.reload(); }} />}
    </>
  );
}
