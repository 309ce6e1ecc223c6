/** @jsxImportSource hono/jsx/dom */
/** Compute pools: the list with hosts and usage (create, delete), and one pool with its hosts. */
import { useState } from 'hono/jsx/dom';
import { DeletePoolButton } from '../components/delete-pool-button.js';
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { StateBadge } from '../components/state-badge.js';
import { UsageBar } from '../components/usage-bar.js';
import { UsageSummary } from '../components/usage-summary.js';
import { mib } from '../format.js';
import { href, navigate } from '../router.js';
import { t } from '../i18n/index.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { loadZone, poolParts, usageOf } from '../zone.js';
import { CreatePoolDialog } from './pool-create.js';

/** The pools list. */
export function PoolsPage() {
  const res = useResource(loadZone, 5000);
  const [creating, setCreating] = useState(false);
  const zone = res.data;
  useTitle(t.nav.pools);
  return (
    <>
      <PageHeader title="Pools" sub="Compute pools group hosts; instances are created in a pool.">
        <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
          New pool
        </button>
      </PageHeader>
      <ErrorNote message={res.error} />
      {zone && (
        <div class="table-wrap">
          <table class="table table-cards" id="pools-table">
            <thead>
              <tr>
                <th>Name</th>
                <th class="num">Hosts</th>
                <th class="num">Instances</th>
                <th>Cores claimed</th>
                <th>Memory claimed</th>
                <th>Overcommit (CPU / memory)</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {zone.pools.map((p) => {
                const parts = poolParts(zone, p.id);
                const u = usageOf(parts.hosts, parts.instances);
                return (
                  <tr key={p.id} data-id={p.id} data-name={p.name}>
                    <td data-label="Name"><a class="strong" href={href('pools', p.id)}>{p.name}</a></td>
                    <td data-label="Hosts" class="num">{parts.hosts.filter((h) => h.online).length} / {parts.hosts.length} online</td>
                    <td data-label="Instances" class="num">{parts.instances.length}</td>
                    <td data-label="Cores claimed" class="bar-cell"><UsageBar label="" used={u.claimedCores} total={u.cpus} format={String} /></td>
                    <td data-label="Memory claimed" class="bar-cell"><UsageBar label="" used={u.claimedMemoryMiB} total={u.memoryMiB} format={mib} /></td>
                    <td data-label="Overcommit">{p.cpuOvercommit}× / {p.memoryOvercommit}×</td>
                    <td data-label="Actions">
                      <DeletePoolButton pool={p} hosts={parts.hosts.length} onDeleted={res.reload} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {creating && <CreatePoolDialog onClose={() => setCreating(false)} onCreated={res.reload} />}
    </>
  );
}

/** One pool. */
export function PoolPage({ id }: { id: string }) {
  const res = useResource(loadZone, 5000, id);
  const zone = res.data;
  const pool = zone?.pools.find((x) => x.id === id || x.name === id);
  useTitle(pool?.name, t.nav.pools);
  if (!zone) return res.error ? <ErrorNote message={res.error} /> : <p class="muted">Loading…</p>;
  const p = zone.pools.find((x) => x.id === id || x.name === id);
  if (!p) return <ErrorNote message={`No pool with id ${id}.`} />;
  const parts = poolParts(zone, p.id);
  return (
    <>
      <PageHeader title={`Pool ${p.name}`} sub={<><a href={href('pools')}>Pools</a> / {p.name} · overcommit {p.cpuOvercommit}× CPU, {p.memoryOvercommit}× memory</>}>
        <DeletePoolButton pool={p} hosts={parts.hosts.length} onDeleted={() => navigate('pools')} />
      </PageHeader>
      <section class="card" aria-label="Usage">
        <h2>Usage</h2>
        <UsageSummary usage={usageOf(parts.hosts, parts.instances)} />
      </section>
      <section class="card" aria-label="Hosts">
        <h2>Hosts</h2>
        {parts.hosts.length === 0 && <p class="muted">No host in this pool.</p>}
        <ul class="drill">
          {parts.hosts.map((h) => {
            const mine = zone.instances.filter((i) => i.hostId === h.id);
            return (
              <li key={h.id}>
                <a href={href('hosts', h.id)}>{h.name}</a> <StateBadge state={h.online ? 'online' : 'offline'} />{' '}
                <span class="muted">{mine.length} instances · {mine.reduce((n, i) => n + i.cores, 0)} / {h.cpus} cores</span>
              </li>
            );
          })}
        </ul>
      </section>
    </>
  );
}
