/** @jsxImportSource hono/jsx/dom */
/**
 * The dashboard: counts and usage, drilling down pool → host → instance. It says when guests run
 * under TCG (and why), shows one card on a one-pool install, and leads a new user through the
 * next steps until the first instance exists.
 */
import { useState } from 'hono/jsx/dom';
import type { Host } from '../../shared/api-types.js';
import { api } from '../api.js';
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { StateBadge } from '../components/state-badge.js';
import { UsageSummary } from '../components/usage-summary.js';
import { t } from '../i18n/index.js';
import { href } from '../router.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { loadZone, poolParts, usageOf, type Zone } from '../zone.js';
import { CreateInstanceDialog } from './instance-create.js';
import { UsageCharts } from '../components/usage-charts.js';

/** Why guests are slow here: the hosts without hardware acceleration and the reason each gives. */
function TcgNotice({ hosts }: { hosts: Host[] }) {
  const tcg = hosts.filter((h) => h.online && h.accel === 'tcg');
  if (tcg.length === 0) return null;
  return (
    <section class="note note-warn" data-testid="tcg-notice" aria-label={t.dashboard.tcgTitle}>
      <p class="strong">{t.dashboard.tcgTitle}</p>
      <p>{t.dashboard.tcgBody(tcg.map((h) => h.name).join(', '))}</p>
      {/* The reason is the server's own English sentence: marked as such for screen readers (and the language test). */}
      {tcg.map((h) => h.accelReason && <p key={h.id} class="small">{h.name}: <span lang="en">{h.accelReason}</span></p>)}
    </section>
  );
}

/** Upload an image, then create an instance: shown until the first instance exists. */
function NextSteps() {
  const sources = useResource(async () => ({ images: (await api.images.list()).length, media: (await api.media.list()).length }), 5000);
  const [creating, setCreating] = useState(false);
  const s = sources.data;
  if (!s) return null;
  const uploaded = s.images + s.media > 0;
  const mark = (done: boolean) => (
    <span class={`step-mark ${done ? 'step-done' : ''}`} aria-label={done ? t.dashboard.done : t.dashboard.todo}>
      {done ? '✓' : '○'}
    </span>
  );
  return (
    <section class="card next-steps" data-testid="next-steps" aria-label={t.dashboard.nextTitle}>
      <h2>{t.dashboard.nextTitle}</h2>
      <p class="muted">{t.dashboard.nextIntro}</p>
      <ol class="steps">
        <li data-done={String(uploaded)}>
          {mark(uploaded)} <a href={href('images')}>{uploaded && s.images > 0 ? t.dashboard.stepUploadDone(s.images) : t.dashboard.stepUpload}</a>{' '}
          {!uploaded && <a class="muted" href={href('media')}>{t.dashboard.stepUploadIso}</a>}
        </li>
        <li data-done="false">
          {mark(false)}{' '}
          <button type="button" class={`button button-small ${uploaded ? 'button-primary' : ''}`} onClick={() => setCreating(true)}>
            {t.dashboard.stepCreate}
          </button>
        </li>
      </ol>
      {creating && <CreateInstanceDialog onClose={() => setCreating(false)} />}
    </section>
  );
}

/** One pool's card with its hosts. */
function PoolCard({ zone, poolId }: { zone: Zone; poolId: string }) {
  const pool = zone.pools.find((p) => p.id === poolId);
  if (!pool) return null;
  const parts = poolParts(zone, pool.id);
  return (
    <section class="card" aria-label={t.dashboard.pool(pool.name)}>
      <h2>
        <a href={href('pools', pool.id)}>{t.dashboard.pool(pool.name)}</a>
      </h2>
      <UsageSummary usage={usageOf(parts.hosts, parts.instances, zone.pools)} />
      <ul class="drill">
        {parts.hosts.map((h) => (
          <li key={h.id}>
            <a href={href('hosts', h.id)}>{h.name}</a> <StateBadge state={h.online ? 'online' : 'offline'} />{' '}
            <span class="muted">{t.count.instances(zone.instances.filter((i) => i.hostId === h.id).length)}</span>
          </li>
        ))}
        {parts.hosts.length === 0 && <li class="muted">{t.dashboard.noHost}</li>}
      </ul>
    </section>
  );
}

/** The counts, each a link to its list. */
function Tiles({ zone }: { zone: Zone }) {
  return (
    <div class="tiles">
      <a class="tile" href={href('pools')}>
        <span class="tile-value">{zone.pools.length}</span>
        <span class="tile-label">{t.dashboard.tilePools(zone.pools.length)}</span>
      </a>
      <a class="tile" href={href('hosts')}>
        <span class="tile-value">{zone.hosts.length}</span>
        <span class="tile-label">{t.dashboard.tileHosts(zone.hosts.length, zone.hosts.filter((h) => h.online).length)}</span>
      </a>
      <a class="tile" href={href('instances')}>
        <span class="tile-value">{zone.instances.length}</span>
        <span class="tile-label">{t.dashboard.tileInstances(zone.instances.length)}</span>
      </a>
    </div>
  );
}

/** Zone overview. */
export function DashboardPage() {
  const res = useResource(loadZone, 5000);
  const zone = res.data;
  useTitle(t.nav.dashboard);
  const onePool = zone?.pools.length === 1;
  return (
    <>
      <PageHeader title={t.nav.dashboard} sub={onePool ? t.dashboard.subOnePool : t.dashboard.subZone} />
      <ErrorNote message={res.error} />
      {!zone && !res.error && <p class="muted">{t.app.loading}</p>}
      {zone && (
        <>
          <TcgNotice hosts={zone.hosts} />
          {zone.instances.length === 0 && <NextSteps />}
          <Tiles zone={zone} />
          <UsageCharts kind="zone" series="zone" title={t.usageHistory.zoneTitle} />
          {onePool ? (
            <PoolCard zone={zone} poolId={zone.pools[0].id} />
          ) : (
            <>
              <section class="card" aria-label={t.dashboard.zoneUsage}>
                <h2>{t.dashboard.zone}</h2>
                <UsageSummary usage={usageOf(zone.hosts, zone.instances, zone.pools)} />
              </section>
              <div class="grid-2">
                {zone.pools.map((p) => (
                  <PoolCard key={p.id} zone={zone} poolId={p.id} />
                ))}
              </div>
            </>
          )}
        </>
      )}
    </>
  );
}
