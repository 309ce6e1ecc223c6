/** @jsxImportSource hono/jsx/dom */
/** One instance: details, live usage, and tabs for the graphical console, the serial console and settings. */
import { dataDiskTarget } from '../../shared/instance-states.js';
import { useState } from 'hono/jsx/dom';
import type { Host, Image, Instance, Media, Pool } from '../../shared/api-types.js';
import { api } from '../api.js';
import { ErrorNote } from '../components/error-note.js';
import { InstanceActions } from '../components/instance-actions.js';
import { MediaButtons } from '../components/media-buttons.js';
import { PageHeader } from '../components/layout.js';
import { StateBadge } from '../components/state-badge.js';
import { StatsPanel } from '../components/stats-panel.js';
import { SerialConsole } from '../console/serial-console.js';
import { VncConsole } from '../console/vnc-console.js';
import { bytes, dateTime, mib } from '../format.js';
import { href } from '../router.js';
import { errorText } from '../store.js';
import { t } from '../i18n/index.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';

const tabs = [
  ['overview', 'Overview'],
  ['console', 'Console'],
  ['serial', 'Serial console'],
  ['settings', 'Settings'],
] as const;

interface Related {
  host?: Host;
  pool?: Pool;
  image?: Image;
  media?: Media;
}

async function loadRelated(i: Instance): Promise<Related> {
  const quiet = <T,>(p: Promise<T>) => p.catch(() => undefined);
  const [host, pool, image, media] = await Promise.all([
    quiet(api.hosts.get(i.hostId)),
    quiet(api.pools.get(i.poolId)),
    i.imageId ? quiet(api.images.get(i.imageId)) : undefined,
    i.mediaId ? quiet(api.media.get(i.mediaId)) : undefined,
  ]);
  return { host, pool, image, media };
}

/** The VNC password, revealed on request. */
function VncPassword({ id }: { id: string }) {
  const [password, setPassword] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const reveal = () =>
    api.instances.vnc(id).then(
      (v) => setPassword(v.password),
      (err: unknown) => setError(errorText(err)),
    );
  if (error) return <span class="text-error">{error}</span>;
  if (password === undefined)
    return (
      <button type="button" class="link-button" onClick={reveal}>
        Reveal password
      </button>
    );
  return (
    <span>
      <code class="secret">{password}</code>{' '}
      <button type="button" class="link-button" onClick={() => setPassword(undefined)}>
        Hide
      </button>
    </span>
  );
}

/** Details list. */
function Details({ instance: i, related }: { instance: Instance; related: Related }) {
  return (
    <section class="card" aria-label="Details">
      <h2>Details</h2>
      <dl class="kv">
        <dt>ID</dt>
        <dd class="mono">{i.id}</dd>
        <dt>State</dt>
        <dd>
          <StateBadge state={i.state} /> {i.stateReason && <span class="muted">{i.stateReason}</span>}
        </dd>
        <dt>Pool</dt>
        <dd>{related.pool ? <a href={href('pools', related.pool.id)}>{related.pool.name}</a> : i.poolId}</dd>
        <dt>Host</dt>
        <dd>{related.host ? <a href={href('hosts', related.host.id)}>{related.host.name}</a> : i.hostId}</dd>
        <dt>Address</dt>
        <dd class="mono">{i.address || '—'}</dd>
        <dt>Cores / memory</dt>
        <dd>
          {i.cores} × vCPU · {mib(i.memoryMiB)}
        </dd>
        <dt>System disk</dt>
        <dd>
          {bytes(i.diskSizeBytes)} · {i.cloneMode === 'blank' ? 'blank' : `${i.cloneMode} clone of ${related.image?.name ?? i.imageId ?? 'an image'}`}
        </dd>
        <dt>Data disks</dt>
        <dd data-testid="instance-data-disks">
          {i.dataDisks.length === 0 ? <span class="muted">none</span> : i.dataDisks.map((d, n) => `${dataDiskTarget(n)} ${bytes(d.sizeBytes)}`).join(' · ')}
        </dd>
        <dt>Cloud-init</dt>
        <dd data-testid="instance-cloud-init">
          {i.cloudInit ? (
            [i.cloudInit.passwordSet && 'password set', `${i.cloudInit.sshAuthorizedKeys.length} SSH key(s)`, i.cloudInit.userDataSet && 'own user-data'].filter(Boolean).join(' · ')
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        <dt>ISO</dt>
        <dd class="iso-row">
          <span data-testid="instance-iso">{i.mediaId ? related.media?.name ?? i.mediaId : <span class="muted">none</span>}</span>
          <MediaButtons instance={i} />
        </dd>
        <dt>VNC</dt>
        <dd>
          <span class="muted">localhost on {related.host?.name ?? 'its host'} (use the Console tab) · </span>
          <VncPassword id={i.id} />
        </dd>
        <dt>Autostart</dt>
        <dd>{i.autostart ? 'yes' : 'no'}</dd>
        <dt>Created</dt>
        <dd>{dateTime(i.createdAt)}</dd>
      </dl>
    </section>
  );
}

/** Read-only settings until the API can change them. */
function Settings({ instance: i }: { instance: Instance }) {
  return (
    <section class="card" aria-label="Settings">
      <h2>Settings</h2>
      <dl class="kv">
        <dt>Name</dt>
        <dd>{i.name}</dd>
        <dt>Cores</dt>
        <dd>{i.cores}</dd>
        <dt>Memory</dt>
        <dd>{mib(i.memoryMiB)}</dd>
        <dt>Autostart</dt>
        <dd>{i.autostart ? 'yes' : 'no'}</dd>
        <dt>Domain</dt>
        <dd class="mono">{i.domainName}</dd>
      </dl>
      <p class="muted">Changing cores, memory, the name or autostart needs an API the server does not offer yet.</p>
    </section>
  );
}

/** The instance page; `tab` comes from the route. */
export function InstancePage({ id, tab }: { id: string; tab: string }) {
  const res = useResource(() => api.instances.get(id), 2500, id);
  const rel = useResource(() => (res.data ? loadRelated(res.data) : Promise.resolve({})), 0, `${id}:${res.data ? res.data.mediaId ?? '-' : 'n'}`);
  const i = res.data;
  useTitle(i?.name, t.nav.instances);
  if (!i) return res.error ? <ErrorNote message={res.error} /> : <p class="muted">Loading…</p>;
  const related = rel.data ?? {};
  return (
    <>
      <PageHeader
        title={
          <>
            {i.name} <StateBadge state={i.state} title={i.stateReason} />
          </>
        }
        sub={
          <>
            <a href={href('instances')}>Instances</a> / {i.name}
          </>
        }
      >
        <InstanceActions instance={i} />
      </PageHeader>
      <ErrorNote message={res.error} />
      <nav class="tabs" aria-label="Instance">
        {tabs.map(([t, label]) => (
          <a key={t} href={href('instances', i.id, t)} class={tab === t ? 'active' : ''} aria-current={tab === t ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {tab === 'console' && <VncConsole instance={i} />}
      {tab === 'serial' && <SerialConsole instance={i} />}
      {tab === 'settings' && <Settings instance={i} />}
      {tab !== 'console' && tab !== 'serial' && tab !== 'settings' && (
        <div class="grid-2">
          <Details instance={i} related={related} />
          <StatsPanel instance={i} />
        </div>
      )}
    </>
  );
}
