/** @jsxImportSource hono/jsx/dom */
/** Networks: the list with kind, bridge, subnet and per-host state (create, delete), and one network with its address pools and DHCP leases. */
import { useState } from 'hono/jsx/dom';
import type { AddressPool, Host, Instance, Network, NetworkLease } from '../../shared/api-types.js';
import { api } from '../api.js';
import { DataTable, type Column } from '../components/data-table.js';
import { DeleteButton } from '../components/delete-button.js';
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { dateTime } from '../format.js';
import { t } from '../i18n/index.js';
import { href, navigate } from '../router.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { CreateNetworkDialog } from './network-create.js';

/** Networks and the hosts their states name. */
async function loadNetworks(): Promise<{ networks: Network[]; hosts: Host[] }> {
  const [networks, hosts] = await Promise.all([api.networks.list(), api.hosts.list()]);
  return { networks, hosts };
}

const kindText = (n: Network) => (n.kind === 'nat' ? t.networks.kindNat : t.networks.kindBridged);
const dash = (v: string | null) => v ?? '—';

/** Per host: active, or the server's sentence why not. */
function HostStates({ net, hosts }: { net: Network; hosts: Host[] }) {
  if (net.hosts.length === 0) return <span class="muted">{t.networks.noHosts}</span>;
  return (
    <ul class="plain-list" data-testid="network-host-states">
      {net.hosts.map((s) => (
        <li key={s.hostId} data-host={s.hostId} data-active={String(s.active)}>
          {hosts.length > 1 && <span>{hosts.find((h) => h.id === s.hostId)?.name ?? s.hostId}: </span>}
          <span class={`badge ${s.active ? 'badge-running' : 'badge-error'}`}>{s.active ? t.networks.active : t.networks.inactive}</span>{' '}
          <span class="muted small" lang="en">{s.detail}</span>
        </li>
      ))}
    </ul>
  );
}

/** Delete with confirmation; the server refuses while NICs, address pools or compute pools use it, and the dialog shows why. */
function DeleteNetwork({ net, onDeleted }: { net: Network; onDeleted?: () => void }) {
  return <DeleteButton title={t.networks.deleteTitle(net.name)} message={t.networks.deleteMessage} onDelete={() => api.networks.delete(net.id)} onDeleted={onDeleted} />;
}

function columns(hosts: Host[], reload: () => void): Column<Network>[] {
  return [
    { key: 'name', label: t.networks.name, sort: (n) => n.name, render: (n) => <a class="strong" href={href('networks', n.id)}>{n.name}</a> },
    { key: 'kind', label: t.networks.kind, sort: (n) => n.kind, render: kindText },
    { key: 'bridge', label: t.networks.bridge, sort: (n) => n.bridge, render: (n) => <span class="mono">{n.bridge}</span> },
    { key: 'subnet', label: t.networks.subnet, render: (n) => <span class="mono">{dash(n.subnet)}</span> },
    { key: 'gateway', label: t.networks.gateway, render: (n) => <span class="mono">{dash(n.gateway)}</span> },
    { key: 'state', label: t.networks.state, render: (n) => <HostStates net={n} hosts={hosts} /> },
    { key: 'actions', label: t.table.actions, render: (n) => <DeleteNetwork net={n} onDeleted={reload} /> },
  ];
}

/** The networks list. */
export function NetworksPage() {
  const res = useResource(loadNetworks, 5000);
  const [creating, setCreating] = useState(false);
  useTitle(t.nav.networks);
  const data = res.data;
  return (
    <>
      <PageHeader title={t.nav.networks} sub={t.networks.sub}>
        <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
          {t.networks.newNetwork}
        </button>
      </PageHeader>
      <ErrorNote message={res.error} />
      {data && data.networks.length === 0 && <p class="muted empty">{t.networks.empty}</p>}
      {data && data.networks.length > 0 && (
        <DataTable
          id="networks-table"
          columns={columns(data.hosts, res.reload)}
          rows={data.networks}
          rowKey={(n) => n.id}
          rowAttrs={(n) => ({ 'data-id': n.id, 'data-name': n.name, 'data-kind': n.kind })}
          searchText={(n) => [n.name, n.bridge, n.subnet ?? ''].join(' ')}
          searchLabel={t.networks.search}
          initialSort="name"
        />
      )}
      {creating && <CreateNetworkDialog onClose={() => setCreating(false)} onCreated={(n) => navigate('networks', n.id)} />}
    </>
  );
}

/** The leases of the network, with the instance each MAC belongs to. */
function Leases({ leases, instances }: { leases: NetworkLease[]; instances: Instance[] }) {
  if (leases.length === 0) return <p class="muted">{t.networks.noLeases}</p>;
  const owner = (mac: string) => instances.find((i) => i.nics.some((n) => n.mac === mac));
  const cols: Column<NetworkLease>[] = [
    { key: 'ip', label: t.networks.leaseAddress, render: (l) => <span class="mono">{l.ip}</span> },
    { key: 'mac', label: t.networks.leaseMac, render: (l) => <span class="mono">{l.mac}</span> },
    {
      key: 'instance',
      label: t.networks.leaseInstance,
      render: (l) => {
        const i = owner(l.mac);
        return i ? <a href={href('instances', i.id)}>{i.name}</a> : <span class="muted">{l.hostname ?? '—'}</span>;
      },
    },
    { key: 'expires', label: t.networks.leaseExpires, render: (l) => (l.expiresAt > 0 ? dateTime(new Date(l.expiresAt * 1000).toISOString()) : t.networks.leaseNever) },
  ];
  return <DataTable id="leases-table" columns={cols} rows={leases} rowKey={(l) => `${l.mac}-${l.ip}`} rowAttrs={(l) => ({ 'data-mac': l.mac, 'data-ip': l.ip })} />;
}

/** What the network page shows. */
interface NetworkView {
  net: Network;
  hosts: Host[];
  pools: AddressPool[];
  leases: NetworkLease[];
  instances: Instance[];
}

async function loadNetwork(id: string): Promise<NetworkView> {
  const net = await api.networks.get(id);
  const [hosts, pools, leases, instances] = await Promise.all([api.hosts.list(), api.addressPools.list(), api.networks.leases(net.id), api.instances.list()]);
  return { net, hosts, pools: pools.filter((p) => p.networkId === net.id), leases, instances };
}

/** One network. */
export function NetworkPage({ id }: { id: string }) {
  const res = useResource(() => loadNetwork(id), 5000, id);
  const v = res.data;
  useTitle(v?.net.name, t.nav.networks);
  if (!v) return res.error ? <ErrorNote message={res.error} /> : <p class="muted">{t.app.loading}</p>;
  const { net } = v;
  return (
    <>
      <PageHeader title={t.networks.title(net.name)} sub={<><a href={href('networks')}>{t.nav.networks}</a> / {net.name}</>}>
        <DeleteNetwork net={net} onDeleted={() => navigate('networks')} />
      </PageHeader>
      <ErrorNote message={res.error} />
      <div class="grid-2">
        <section class="card" aria-label={t.networks.details}>
          <h2>{t.networks.details}</h2>
          <dl class="kv" data-testid="network-details">
            <dt>{t.networks.kind}</dt>
            <dd>{kindText(net)}</dd>
            <dt>{t.networks.bridge}</dt>
            <dd class="mono">{net.bridge}</dd>
            <dt>{t.networks.subnet}</dt>
            <dd class="mono">{dash(net.subnet)}</dd>
            <dt>{t.networks.gateway}</dt>
            <dd class="mono">{dash(net.gateway)}</dd>
            <dt>{t.networks.state}</dt>
            <dd><HostStates net={net} hosts={v.hosts} /></dd>
            <dt>{t.networks.created}</dt>
            <dd>{dateTime(net.createdAt)}</dd>
          </dl>
        </section>
        <section class="card" aria-label={t.networks.poolsTitle}>
          <h2>{t.networks.poolsTitle}</h2>
          {v.pools.length === 0 && <p class="muted">{net.kind === 'nat' ? t.networks.noPoolsNat : t.networks.noPoolsBridged}</p>}
          <ul class="drill">
            {v.pools.map((p) => (
              <li key={p.id}>
                <a href={href('address-pools', p.id)}>{p.name}</a> <span class="muted">{t.addressPools.usageDetail(p.allocated, p.size)}</span>
              </li>
            ))}
          </ul>
          <a class="button button-small" href={href('address-pools')}>{t.networks.managePools}</a>
        </section>
      </div>
      <section class="card" aria-label={t.networks.leases}>
        <h2>{t.networks.leases}</h2>
        <Leases leases={v.leases} instances={v.instances} />
      </section>
    </>
  );
}
