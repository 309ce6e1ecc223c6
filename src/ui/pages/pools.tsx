/** @jsxImportSource hono/jsx/dom */
/** Compute pools: the list with hosts, usage and network (create, delete), and one pool with its hosts and its network. */
import { useState } from 'hono/jsx/dom';
import type { AddressPool, Network, Pool } from '../../shared/api-types.js';
import { api } from '../api.js';
import { DataTable, type Column } from '../components/data-table.js';
import { DeletePoolButton } from '../components/delete-pool-button.js';
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { PoolNetworkForm, PoolNetworkSummary } from '../components/pool-network-form.js';
import { StateBadge } from '../components/state-badge.js';
import { claimColumns, UsageSummary } from '../components/usage-summary.js';
import { t } from '../i18n/index.js';
import { href, navigate } from '../router.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { loadZone, poolParts, usageOf, type Zone } from '../zone.js';
import { CreatePoolDialog } from './pool-create.js';
import { UsageCharts } from '../components/usage-charts.js';

/** Networks and address pools, for the pools' network column and form. */
interface NetworkChoices {
  networks: Network[];
  addressPools: AddressPool[];
}

async function loadNetworkChoices(): Promise<NetworkChoices> {
  const [networks, addressPools] = await Promise.all([api.networks.list(), api.addressPools.list()]);
  return { networks, addressPools };
}

/** The columns of the pools table. */
function columns(zone: Zone, nets: NetworkChoices | undefined, reload: () => void): Column<Pool>[] {
  const parts = (p: Pool) => poolParts(zone, p.id);
  const usage = (p: Pool) => usageOf(parts(p).hosts, parts(p).instances, zone.pools);
  return [
    { key: 'name', label: t.pools.name, sort: (p) => p.name, render: (p) => <a class="strong" href={href('pools', p.id)}>{p.name}</a> },
    {
      key: 'hosts',
      label: t.pools.hosts,
      num: true,
      sort: (p) => parts(p).hosts.length,
      render: (p) => t.pools.hostsOnline(parts(p).hosts.filter((h) => h.online).length, parts(p).hosts.length),
    },
    { key: 'instances', label: t.pools.instances, num: true, sort: (p) => parts(p).instances.length, render: (p) => parts(p).instances.length },
    ...claimColumns(usage),
    {
      key: 'network',
      label: t.poolNetwork.column,
      render: (p) => (nets ? <PoolNetworkSummary pool={p} networks={nets.networks} addressPools={nets.addressPools} /> : <span class="muted">…</span>),
    },
    { key: 'cpu', label: t.pools.cpuColumn, sort: (p) => p.cpuModel ?? '', render: (p) => p.cpuModel ?? <span class="muted">{t.pools.cpuDefault}</span> },
    { key: 'overcommit', label: t.pools.overcommit, sort: (p) => p.cpuOvercommit, render: (p) => t.pools.overcommitValue(p.cpuOvercommit, p.memoryOvercommit) },
    { key: 'actions', label: t.table.actions, render: (p) => <DeletePoolButton pool={p} hosts={parts(p).hosts.length} onDeleted={reload} /> },
  ];
}

/** The pools list. */
export function PoolsPage() {
  const res = useResource(loadZone, 5000);
  const nets = useResource(loadNetworkChoices, 10000);
  const [creating, setCreating] = useState(false);
  const zone = res.data;
  useTitle(t.nav.pools);
  return (
    <>
      <PageHeader title={t.nav.pools} sub={t.pools.sub}>
        <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
          {t.pools.newPool}
        </button>
      </PageHeader>
      <ErrorNote message={res.error} />
      {zone && (
        <DataTable
          id="pools-table"
          columns={columns(zone, nets.data, res.reload)}
          rows={zone.pools}
          rowKey={(p) => p.id}
          rowAttrs={(p) => ({ 'data-id': p.id, 'data-name': p.name })}
          searchText={(p) => p.name}
          searchLabel={t.pools.search}
          initialSort="name"
        />
      )}
      {creating && <CreatePoolDialog onClose={() => setCreating(false)} onCreated={res.reload} />}
    </>
  );
}

/** One pool. */
export function PoolPage({ id }: { id: string }) {
  const res = useResource(loadZone, 5000, id);
  const nets = useResource(loadNetworkChoices, 10000, id);
  const zone = res.data;
  const p = zone?.pools.find((x) => x.id === id || x.name === id);
  useTitle(p?.name, t.nav.pools);
  if (!zone) return res.error ? <ErrorNote message={res.error} /> : <p class="muted">{t.app.loading}</p>;
  if (!p) return <ErrorNote message={t.pools.notFound(id)} />;
  const parts = poolParts(zone, p.id);
  return (
    <>
      <PageHeader title={t.pools.title(p.name)} sub={<><a href={href('pools')}>{t.nav.pools}</a> / {p.name} · {t.pools.pageSub(p.cpuOvercommit, p.memoryOvercommit)}</>}>
        <DeletePoolButton pool={p} hosts={parts.hosts.length} onDeleted={() => navigate('pools')} />
      </PageHeader>
      <section class="card" aria-label={t.pools.usage}>
        <h2>{t.pools.usage}</h2>
        <UsageSummary usage={usageOf(parts.hosts, parts.instances, zone.pools)} />
      </section>
      <UsageCharts kind="pools" id={p.id} series={`pool:${p.id}`} />
      <section class="card" aria-label={t.poolNetwork.title}>
        <h2>{t.poolNetwork.title}</h2>
        <p class="muted">{t.poolNetwork.intro}</p>
        <ErrorNote message={nets.error} />
        {nets.data && <PoolNetworkForm pool={p} networks={nets.data.networks} addressPools={nets.data.addressPools} onSaved={res.reload} />}
      </section>
      <section class="card" aria-label={t.pools.cpuTitle}>
        <h2>{t.pools.cpuTitle}</h2>
        {p.cpuModel === null ? (
          <p class="muted" data-testid="pool-cpu-model">{t.pools.cpuNone}</p>
        ) : (
          <p>
            <strong data-testid="pool-cpu-model">{p.cpuModel}</strong>{' '}
            <span class="muted">{t.pools.cpuBaseline(p.cpuBaselineHosts.map((id) => zone.hosts.find((h) => h.id === id)?.name ?? id).join(', '))}</span>
          </p>
        )}
      </section>
      <section class="card" aria-label={t.pools.hostsTitle}>
        <h2>{t.pools.hostsTitle}</h2>
        {parts.hosts.length === 0 && <p class="muted">{t.pools.noHosts}</p>}
        <ul class="drill">
          {parts.hosts.map((h) => {
            const mine = zone.instances.filter((i) => i.hostId === h.id);
            return (
              <li key={h.id}>
                <a href={href('hosts', h.id)}>{h.name}</a> <StateBadge state={h.online ? 'online' : 'offline'} />{' '}
                <span class="muted" data-testid="pool-host-line">{t.pools.hostLine(mine.length, mine.reduce((n, i) => n + i.cores, 0), h.cpus)}</span>
              </li>
            );
          })}
        </ul>
      </section>
    </>
  );
}
