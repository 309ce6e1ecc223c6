/** @jsxImportSource hono/jsx/dom */
/** One host: details with its pool and scheduling switch, disk, usage, and the instances on it. */
import { useState } from 'hono/jsx/dom';
import { ErrorNote } from '../components/error-note.js';
import { HostPoolSelect } from '../components/host-pool-select.js';
import { HostSchedulingSwitch } from '../components/host-scheduling-switch.js';
import { PageHeader } from '../components/layout.js';
import { StateBadge } from '../components/state-badge.js';
import { UsageSummary } from '../components/usage-summary.js';
import { bytes, dateTime, mib } from '../format.js';
import { href } from '../router.js';
import { t } from '../i18n/index.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { loadZone, usageOf } from '../zone.js';

/** One host. */
export function HostPage({ id }: { id: string }) {
  const res = useResource(loadZone, 5000, id);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const zone = res.data;
  const h = zone?.hosts.find((x) => x.id === id);
  useTitle(h?.name, t.nav.hosts);
  if (!zone) return res.error ? <ErrorNote message={res.error} /> : <p class="muted">Loading…</p>;
  if (!h) return <ErrorNote message={`No host with id ${id}.`} />;
  const instances = zone.instances.filter((i) => i.hostId === h.id);
  const pool = zone.pools.find((p) => p.id === h.poolId);
  const disk = typeof h.diskTotalBytes === 'number' && typeof h.diskFreeBytes === 'number' ? { total: h.diskTotalBytes, free: h.diskFreeBytes } : undefined;
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
            <dd class="inline-controls">
              <HostPoolSelect host={h} pools={zone.pools} onError={setActionError} />
              {pool && <a href={href('pools', pool.id)}>open</a>}
            </dd>
            <dt>Scheduling</dt>
            <dd>
              <HostSchedulingSwitch host={h} onError={setActionError} short />
            </dd>
            <dt>CPUs / memory</dt>
            <dd>{h.cpus} · {mib(h.memoryMiB)}</dd>
            <dt>Disk</dt>
            <dd>{disk ? `${bytes(disk.total)} · ${bytes(disk.free)} free` : <span class="muted">not reported by this host</span>}</dd>
            <dt>Accelerator</dt>
            <dd>{h.accel.toUpperCase()} <span class="muted">{h.accelReason}</span></dd>
            <dt>libvirt / QEMU</dt>
            <dd>{h.libvirtVersion || '—'} / {h.hypervisorVersion || '—'}</dd>
            <dt>Last seen</dt>
            <dd>{dateTime(h.lastSeenAt)}</dd>
          </dl>
          <ErrorNote message={actionError} />
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
