/** @jsxImportSource hono/jsx/dom */
/** Hosts: the list with online state, capacity and claimed usage, and one host with its instances. */
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { StateBadge } from '../components/state-badge.js';
import { UsageBar } from '../components/usage-bar.js';
import { UsageSummary } from '../components/usage-summary.js';
import { dateTime, mib } from '../format.js';
import { href } from '../router.js';
import { useResource } from '../use-resource.js';
import { loadZone, usageOf } from '../zone.js';

/** The hosts list. */
export function HostsPage() {
  const res = useResource(loadZone, 5000);
  const zone = res.data;
  const pools = new Map((zone?.pools ?? []).map((p) => [p.id, p]));
  return (
    <>
      <PageHeader title="Hosts" />
      <ErrorNote message={res.error} />
      {zone && (
        <div class="table-wrap">
          <table class="table table-cards" id="hosts-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>State</th>
                <th>Pool</th>
                <th>Accelerator</th>
                <th>Capacity</th>
                <th>Cores claimed</th>
                <th>Memory claimed</th>
                <th>libvirt</th>
              </tr>
            </thead>
            <tbody>
              {zone.hosts.map((h) => {
                const u = usageOf([h], zone.instances.filter((i) => i.hostId === h.id));
                return (
                  <tr key={h.id}>
                    <td data-label="Name">
                      <a class="strong" href={href('hosts', h.id)}>{h.name}</a>
                      <div class="muted small mono">{h.address}</div>
                    </td>
                    <td data-label="State"><StateBadge state={h.online ? 'online' : 'offline'} /></td>
                    <td data-label="Pool">{h.poolId && pools.get(h.poolId) ? <a href={href('pools', h.poolId)}>{pools.get(h.poolId)?.name}</a> : '—'}</td>
                    <td data-label="Accelerator" title={h.accelReason}>
                      {h.accel.toUpperCase()}
                      {h.accelReason && <div class="muted small clamp">{h.accelReason}</div>}
                    </td>
                    <td data-label="Capacity">{h.cpus} CPUs · {mib(h.memoryMiB)}</td>
                    <td data-label="Cores claimed" class="bar-cell">
                      <UsageBar label="" used={u.claimedCores} total={h.cpus} format={String} />
                    </td>
                    <td data-label="Memory claimed" class="bar-cell">
                      <UsageBar label="" used={u.claimedMemoryMiB} total={h.memoryMiB} format={mib} />
                    </td>
                    <td data-label="libvirt">{h.libvirtVersion || '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** One host. */
export function HostPage({ id }: { id: string }) {
  const res = useResource(loadZone, 5000, id);
  const zone = res.data;
  const h = zone?.hosts.find((x) => x.id === id);
  if (!zone) return res.error ? <ErrorNote message={res.error} /> : <p class="muted">Loading…</p>;
  if (!h) return <ErrorNote message={`No host with id ${id}.`} />;
  const instances = zone.instances.filter((i) => i.hostId === h.id);
  const pool = zone.pools.find((p) => p.id === h.poolId);
  return (
    <>
      <PageHeader
        title={<>{h.name} <StateBadge state={h.online ? 'online' : 'offline'} /></>}
        sub={<><a href={href('hosts')}>Hosts</a> / {h.name}</>}
      />
      <div class="grid-2">
        <section class="card" aria-label="Details">
          <h2>Details</h2>
          <dl class="kv">
            <dt>ID</dt>
            <dd class="mono">{h.id}</dd>
            <dt>Address</dt>
            <dd class="mono">{h.address}</dd>
            <dt>Pool</dt>
            <dd>{pool ? <a href={href('pools', pool.id)}>{pool.name}</a> : '—'}</dd>
            <dt>CPUs / memory</dt>
            <dd>{h.cpus} · {mib(h.memoryMiB)}</dd>
            <dt>Accelerator</dt>
            <dd>{h.accel.toUpperCase()} <span class="muted">{h.accelReason}</span></dd>
            <dt>libvirt / QEMU</dt>
            <dd>{h.libvirtVersion || '—'} / {h.hypervisorVersion || '—'}</dd>
            <dt>Last seen</dt>
            <dd>{dateTime(h.lastSeenAt)}</dd>
          </dl>
        </section>
        <section class="card" aria-label="Usage">
          <h2>Usage</h2>
          <UsageSummary usage={usageOf([h], instances)} filter={`&host=${encodeURIComponent(h.id)}`} />
        </section>
      </div>
      <section class="card" aria-label="Instances">
        <h2>Instances on {h.name}</h2>
        {instances.length === 0 && <p class="muted">None.</p>}
        <ul class="drill">
          {instances.map((i) => (
            <li key={i.id}>
              <a href={href('instances', i.id)}>{i.name}</a> <StateBadge state={i.state} />{' '}
              <span class="muted">{i.cores} cores · {mib(i.memoryMiB)}</span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
