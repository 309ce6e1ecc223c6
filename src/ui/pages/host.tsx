/** @jsxImportSource hono/jsx/dom */
/** One host: details with its pool and scheduling switch, disk, usage, the instances on it, and its network interfaces (make a bridge). */
import { useState } from 'hono/jsx/dom';
import { ErrorNote } from '../components/error-note.js';
import { EvacuateButton } from '../components/evacuate-button.js';
import { may } from '../permissions.js';
import { HostInterfaces } from '../components/host-interfaces.js';
import { HostPoolSelect } from '../components/host-pool-select.js';
import { HostSchedulingSwitch } from '../components/host-scheduling-switch.js';
import { PageHeader } from '../components/layout.js';
import { StateBadge } from '../components/state-badge.js';
import { UsageSummary } from '../components/usage-summary.js';
import { bytes, dateTime, mib } from '../format.js';
import { t } from '../i18n/index.js';
import { href } from '../router.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { hostParts, loadZone, usageOf } from '../zone.js';
import { UsageCharts } from '../components/usage-charts.js';

/** One host. */
export function HostPage({ id }: { id: string }) {
  const res = useResource(loadZone, 5000, id);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const zone = res.data;
  const h = zone?.hosts.find((x) => x.id === id);
  useTitle(h?.name, t.nav.hosts);
  if (!zone) return res.error ? <ErrorNote message={res.error} /> : <p class="muted">{t.app.loading}</p>;
  if (!h) return <ErrorNote message={t.host.notFound(id)} />;
  const parts = hostParts(zone, h.id);
  const pool = zone.pools.find((p) => p.id === h.poolId);
  const disk = typeof h.diskTotalBytes === 'number' && typeof h.diskFreeBytes === 'number' ? { total: h.diskTotalBytes, free: h.diskFreeBytes } : undefined;
  return (
    <>
      <PageHeader
        title={<>{h.name} <StateBadge state={h.online ? 'online' : 'offline'} /></>}
        sub={<><a href={href('hosts')}>{t.nav.hosts}</a> / {h.name}</>}
      >
        {may('hosts.manage') && <EvacuateButton host={h} count={parts.instances.length} />}
      </PageHeader>
      <div class="grid-2">
        <section class="card" aria-label={t.host.details}>
          <h2>{t.host.details}</h2>
          <dl class="kv">
            <dt>{t.host.id}</dt>
            <dd class="mono">{h.id}</dd>
            <dt>{t.host.address}</dt>
            <dd class="mono">{h.address}</dd>
            <dt>{t.host.pool}</dt>
            <dd class="inline-controls">
              <HostPoolSelect host={h} pools={zone.pools} onError={setActionError} />
              {pool && <a href={href('pools', pool.id)}>{t.host.open}</a>}
            </dd>
            <dt>{t.host.scheduling}</dt>
            <dd>
              <HostSchedulingSwitch host={h} onError={setActionError} short />
            </dd>
            <dt>{t.host.cpusMemory}</dt>
            <dd>{h.cpus} · {mib(h.memoryMiB)}</dd>
            <dt>{t.host.disk}</dt>
            <dd>{disk ? t.host.diskLine(bytes(disk.total), bytes(disk.free)) : <span class="muted">{t.host.diskUnknown}</span>}</dd>
            <dt>{t.host.accelerator}</dt>
            <dd>{h.accel.toUpperCase()} <span class="muted" lang="en">{h.accelReason}</span></dd>
            <dt>{t.host.versions}</dt>
            <dd>{h.libvirtVersion || '—'} / {h.hypervisorVersion || '—'}</dd>
            <dt>{t.host.lastSeen}</dt>
            <dd data-testid="host-last-seen">{dateTime(h.lastSeenAt)}</dd>
          </dl>
          <ErrorNote message={actionError} />
        </section>
        <section class="card" aria-label={t.host.usage}>
          <h2>{t.host.usage}</h2>
          <UsageSummary usage={usageOf(parts.hosts, parts.instances, zone.pools)} filter={`&host=${encodeURIComponent(h.id)}`} />
        </section>
      </div>
      <UsageCharts kind="hosts" id={h.id} series={`host:${h.id}`} />
      <section class="card" aria-label={t.nav.instances}>
        <h2>{t.host.instancesOn(h.name)}</h2>
        {parts.instances.length === 0 && <p class="muted">{t.host.noInstances}</p>}
        <ul class="drill">
          {parts.instances.map((i) => (
            <li key={i.id}>
              <a href={href('instances', i.id)}>{i.name}</a> <StateBadge state={i.state} />{' '}
              <span class="muted">{t.host.instanceLine(i.cores, mib(i.memoryMiB))}</span>
            </li>
          ))}
        </ul>
      </section>
      <HostInterfaces hostId={h.id} />
    </>
  );
}
