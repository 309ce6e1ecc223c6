/** @jsxImportSource hono/jsx/dom */
/**
 * One instance: details (with the names of its pool, host, image and ISO, never their ids),
 * live usage, NICs and the guest's addresses, and tabs for the graphical console, the serial console and settings.
 */
import { qosLine } from '../components/qos-fields.js';
import { useState } from 'hono/jsx/dom';
import type { Host, Image, Instance, Media, Pool } from '../../shared/api-types.js';
import { canDo, dataDiskTarget } from '../../shared/instance-states.js';
import { api } from '../api.js';
import { CloneButton } from '../components/clone-dialog.js';
import { MigrateButton } from '../components/migrate-dialog.js';
import { EditInstanceDialog } from '../components/edit-instance-dialog.js';
import { ErrorNote } from '../components/error-note.js';
import { InstanceActions } from '../components/instance-actions.js';
import { PageHeader } from '../components/layout.js';
import { MediaButtons } from '../components/media-buttons.js';
import { DisksPanel } from '../components/disks-panel.js';
import { GuestPanel } from '../components/guest-panel.js';
import { NicsPanel } from '../components/nics-panel.js';
import { SnapshotsPanel } from '../components/snapshots-panel.js';
import { StateBadge } from '../components/state-badge.js';
import { StatsPanel } from '../components/stats-panel.js';
import { SerialConsole } from '../console/serial-console.js';
import { VncConsole } from '../console/vnc-console.js';
import { bytes, dateTime, mib } from '../format.js';
import { t } from '../i18n/index.js';
import { may } from '../permissions.js';
import { href } from '../router.js';
import { errorText } from '../store.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { UsageCharts } from '../components/usage-charts.js';

/** The things an instance refers to by id, looked up for their names. */
interface Related {
  pools: Pool[];
  hosts: Host[];
  images: Image[];
  media: Media[];
}

async function loadRelated(): Promise<Related> {
  const [pools, hosts, images, media] = await Promise.all([api.pools.list(), api.hosts.list(), api.images.list(), api.media.list()]);
  return { pools, hosts, images, media };
}

/** A name for an id: "…" while loading, the name once known, `missing` when it is gone. */
function useName(related: Related | undefined, missing = '—') {
  return <T extends { id: string; name: string }>(list: (r: Related) => T[], id: string | null): { name: string; item?: T } => {
    if (!related) return { name: '…' };
    const item = id ? list(related).find((x) => x.id === id) : undefined;
    return { name: item?.name ?? missing, item };
  };
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
        {t.instance.vncReveal}
      </button>
    );
  return (
    <span>
      <code class="secret">{password}</code>{' '}
      <button type="button" class="link-button" onClick={() => setPassword(undefined)}>
        {t.instance.vncHide}
      </button>
    </span>
  );
}

/** What the system disk is: blank, or a clone of an image (by name). */
function systemDisk(i: Instance, imageName: string): string {
  if (i.cloneMode === 'blank') return t.instance.blank;
  return i.cloneMode === 'full' ? t.instance.fullCopyOf(imageName) : t.instance.linkedCloneOf(imageName);
}

/** Details list. */
function Details({ instance: i, related }: { instance: Instance; related?: Related }) {
  const name = useName(related);
  const pool = name((r) => r.pools, i.poolId);
  const host = name((r) => r.hosts, i.hostId);
  const image = useName(related, t.instance.deletedImage)((r) => r.images, i.imageId);
  const media = name((r) => r.media, i.mediaId);
  const ci = i.cloudInit;
  return (
    <section class="card" aria-label={t.instance.details}>
      <h2>{t.instance.details}</h2>
      <dl class="kv" data-testid="instance-details">
        <dt>{t.instance.id}</dt>
        <dd class="mono">{i.id}</dd>
        <dt>{t.instance.state}</dt>
        <dd>
          <StateBadge state={i.state} /> {i.stateReason && <span class="muted" lang="en">{i.stateReason}</span>}
        </dd>
        <dt>{t.instance.pool}</dt>
        <dd>{pool.item ? <a href={href('pools', pool.item.id)}>{pool.name}</a> : pool.name}</dd>
        <dt>{t.instance.host}</dt>
        <dd>{host.item ? <a href={href('hosts', host.item.id)}>{host.name}</a> : host.name}</dd>
        <dt>{t.instance.address}</dt>
        <dd class="mono">{i.address || '—'}</dd>
        <dt>{t.instance.coresMemory}</dt>
        <dd>{t.instance.coresMemoryLine(i.cores, mib(i.memoryMiB))}</dd>
        <dt>{t.instance.systemDisk}</dt>
        <dd>
          {bytes(i.diskSizeBytes)} · {systemDisk(i, image.name)}
        </dd>
        <dt>{t.instance.dataDisks}</dt>
        <dd data-testid="instance-data-disks">
          {i.dataDisks.length === 0 ? <span class="muted">{t.common.none}</span> : i.dataDisks.map((d) => [dataDiskTarget(d.slot), bytes(d.sizeBytes), d.filesystem, d.mountPoint].filter(Boolean).join(' ')).join(' · ')}
        </dd>
        <dt>{t.qos.title}</dt>
        <dd data-testid="instance-qos">{qosLine(i.qos)}</dd>
        <dt>{t.instance.cloudInit}</dt>
        <dd data-testid="instance-cloud-init">
          {ci ? (
            [ci.passwordSet && t.instance.passwordSet, t.count.sshKeys(ci.sshAuthorizedKeys.length), ci.userDataSet && t.instance.ownUserData].filter(Boolean).join(' · ')
          ) : (
            <span class="muted">{t.common.none}</span>
          )}
        </dd>
        <dt>{t.instance.iso}</dt>
        <dd class="iso-row">
          <span data-testid="instance-iso">{i.mediaId ? media.name : <span class="muted">{t.common.none}</span>}</span>
          <MediaButtons instance={i} />
        </dd>
        <dt>{t.instance.vnc}</dt>
        <dd>
          <span class="muted">{t.instance.vncWhere(host.name)} · </span>
          <VncPassword id={i.id} />
        </dd>
        <dt>{t.instance.autostart}</dt>
        <dd>{i.autostart ? t.common.yes : t.common.no}</dd>
        <dt>{t.instance.created}</dt>
        <dd>{dateTime(i.createdAt)}</dd>
      </dl>
    </section>
  );
}

/** The settings, and the Edit dialog that changes them. */
function Settings({ instance: i }: { instance: Instance }) {
  const [editing, setEditing] = useState(false);
  const editable = canDo('modify', i.state);
  return (
    <section class="card" aria-label={t.instance.settings}>
      <h2>{t.instance.settings}</h2>
      <dl class="kv" data-testid="instance-settings">
        <dt>{t.instance.name}</dt>
        <dd>{i.name}</dd>
        <dt>{t.instance.cores}</dt>
        <dd data-testid="settings-cores">{t.instance.withMaximum(String(i.cores), String(i.maxCores))}</dd>
        <dt>{t.instance.memory}</dt>
        <dd data-testid="settings-memory">{t.instance.withMaximum(mib(i.memoryMiB), mib(i.maxMemoryMiB))}</dd>
        <dt>{t.instance.autostart}</dt>
        <dd>{i.autostart ? t.common.yes : t.common.no}</dd>
        <dt>{t.instanceEdit.description}</dt>
        <dd>{i.description || <span class="muted">{t.common.none}</span>}</dd>
        <dt>{t.instance.domain}</dt>
        <dd class="mono">{i.domainName}</dd>
      </dl>
      <p class="muted">{t.instance.settingsHint}</p>
      {may('instances.modify', i.groupId) && (
        <button type="button" class="button" disabled={!editable} onClick={() => setEditing(true)}>
          {t.instanceEdit.edit}
        </button>
      )}
      {editing && <EditInstanceDialog instance={i} onClose={() => setEditing(false)} />}
    </section>
  );
}

/** The tabs of the instance page. */
const tabs = () =>
  [
    ['overview', t.instance.overview],
    ['console', t.instance.console],
    ['serial', t.instance.serial],
    ['settings', t.instance.settings],
  ] as const;

/** The instance page; `tab` comes from the route. */
export function InstancePage({ id, tab }: { id: string; tab: string }) {
  const res = useResource(() => api.instances.get(id), 2500, id);
  const i = res.data;
  // Names of what it refers to; looked up again when its ISO changes (a new one may have been uploaded).
  const rel = useResource(loadRelated, 0, `${id}:${i?.mediaId ?? '-'}`);
  useTitle(i?.name, t.nav.instances);
  if (!i) return res.error ? <ErrorNote message={res.error} /> : <p class="muted">{t.app.loading}</p>;
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
            <a href={href('instances')}>{t.nav.instances}</a> / {i.name}
          </>
        }
      >
        <InstanceActions instance={i} />
        {may('instances.create', i.groupId) && <CloneButton instance={i} />}
        {may('hosts.manage', i.groupId) && <MigrateButton instance={i} />}
      </PageHeader>
      <ErrorNote message={res.error} />
      <nav class="tabs" aria-label={t.instance.tabs}>
        {tabs()
          .filter(([key]) => (key !== 'console' && key !== 'serial') || may('instances.console', i.groupId))
          .map(([key, label]) => (
          <a key={key} href={href('instances', i.id, key)} class={tab === key ? 'active' : ''} aria-current={tab === key ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {tab === 'console' && <VncConsole instance={i} />}
      {tab === 'serial' && <SerialConsole instance={i} />}
      {tab === 'settings' && <Settings instance={i} />}
      {tab !== 'console' && tab !== 'serial' && tab !== 'settings' && (
        <>
          <div class="grid-2">
            <Details instance={i} related={rel.data} />
            <StatsPanel instance={i} />
          </div>
          <GuestPanel instance={i} />
          <UsageCharts kind="instances" id={i.id} series={`instance:${i.id}`} />
          <DisksPanel instance={i} />
          <SnapshotsPanel instance={i} />
          <NicsPanel instance={i} onChanged={res.reload} />
        </>
      )}
    </>
  );
}
