/** @jsxImportSource hono/jsx/dom */
/** The dashboard: the zone's counts and usage, drilling down pool → host → instance. */
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { StateBadge } from '../components/state-badge.js';
import { UsageSummary } from '../components/usage-summary.js';
import { href } from '../router.js';
import { t } from '../i18n/index.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { loadZone, poolParts, usageOf } from '../zone.js';

/** Zone overview. */
export function DashboardPage() {
  const res = useResource(loadZone, 5000);
  const zone = res.data;
  useTitle(t.nav.dashboard);
  return (
    <>
      <PageHeader title="Dashboard" sub="The whole zone at a glance." />
      <ErrorNote message={res.error} />
      {!zone && !res.error && <p class="muted">Loading…</p>}
      {zone && (
        <>
          <div class="tiles">
            <a class="tile" href={href('pools')}>
              <span class="tile-value">{zone.pools.length}</span>
              <span class="tile-label">pools</span>
            </a>
            <a class="tile" href={href('hosts')}>
              <span class="tile-value">{zone.hosts.length}</span>
              <span class="tile-label">hosts · {zone.hosts.filter((h) => h.online).length} online</span>
            </a>
            <a class="tile" href={href('instances')}>
              <span class="tile-value">{zone.instances.length}</span>
              <span class="tile-label">instances</span>
            </a>
          </div>
          <section class="card" aria-label="Zone usage">
            <h2>Zone</h2>
            <UsageSummary usage={usageOf(zone.hosts, zone.instances, zone.pools)} />
          </section>
          <div class="grid-2">
            {zone.pools.map((p) => {
              const parts = poolParts(zone, p.id);
              return (
                <section class="card" key={p.id} aria-label={`Pool ${p.name}`}>
                  <h2>
                    Pool <a href={href('pools', p.id)}>{p.name}</a>
                  </h2>
                  <UsageSummary usage={usageOf(parts.hosts, parts.instances, zone.pools)} />
                  <ul class="drill">
                    {parts.hosts.map((h) => (
                      <li key={h.id}>
                        <a href={href('hosts', h.id)}>{h.name}</a> <StateBadge state={h.online ? 'online' : 'offline'} />{' '}
                        <span class="muted">{t.count.instances(zone.instances.filter((i) => i.hostId === h.id).length)}</span>
                      </li>
                    ))}
                    {parts.hosts.length === 0 && <li class="muted">No host in this pool.</li>}
                  </ul>
                </section>
              );
            })}
          </div>
        </>
      )}
    </>
  );
}
