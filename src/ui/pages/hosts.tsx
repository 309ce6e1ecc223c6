/** @jsxImportSource hono/jsx/dom */
/** Hosts: the list with online state, scheduling switch, pool select, capacity and claimed usage. */
import { useState } from 'hono/jsx/dom';
import type { Host } from '../../shared/api-types.js';
import { AddServerButton } from '../components/add-server.js';
import { DataTable, type Column } from '../components/data-table.js';
import { ErrorNote } from '../components/error-note.js';
import { HostPoolSelect } from '../components/host-pool-select.js';
import { HostSchedulingSwitch } from '../components/host-scheduling-switch.js';
import { PageHeader } from '../components/layout.js';
import { StateBadge } from '../components/state-badge.js';
import { claimColumns } from '../components/usage-summary.js';
import { bytes, mib } from '../format.js';
import { t } from '../i18n/index.js';
import { href } from '../router.js';
import { useTitle } from '../title.js';
import { may } from '../permissions.js';
import { useResource } from '../use-resource.js';
import { hostParts, loadZone, usageOf, type Zone } from '../zone.js';

/** The columns of the hosts table; `onError` shows a refused change. */
function columns(zone: Zone, onError: (m: string | undefined) => void): Column<Host>[] {
  const usage = (h: Host) => {
    const parts = hostParts(zone, h.id);
    return usageOf(parts.hosts, parts.instances, zone.pools);
  };
  const poolName = (h: Host) => zone.pools.find((p) => p.id === h.poolId)?.name ?? '';
  return [
    {
      key: 'name',
      label: t.hosts.name,
      sort: (h) => h.name,
      render: (h) => (
        <div>
          <a class="strong" href={href('hosts', h.id)}>{h.name}</a>
          <div class="muted small mono">{h.address}</div>
        </div>
      ),
    },
    {
      key: 'state',
      label: t.hosts.state,
      sort: (h) => `${h.online ? 0 : 1}${h.enabled ? 0 : 1}`,
      render: (h) => (
        <div>
          <StateBadge state={h.state === 'lost' ? 'lost' : h.online ? 'online' : 'offline'} />
          <div class="cell-line">
            <HostSchedulingSwitch host={h} onError={onError} />
          </div>
        </div>
      ),
    },
    { key: 'pool', label: t.hosts.pool, sort: poolName, render: (h) => <HostPoolSelect host={h} pools={zone.pools} onError={onError} /> },
    {
      key: 'accel',
      label: t.hosts.accelerator,
      sort: (h) => h.accel,
      render: (h) => (
        <div title={h.accelReason}>
          {h.accel.toUpperCase()}
          {h.libvirtVersion && <span class="muted"> · {t.hosts.libvirt(h.libvirtVersion)}</span>}
          {h.accelReason && <div class="muted small clamp" lang="en">{h.accelReason}</div>}
        </div>
      ),
    },
    {
      key: 'capacity',
      label: t.hosts.capacity,
      sort: (h) => h.cpus,
      render: (h) => (
        <div>
          {t.hosts.capacityLine(h.cpus, mib(h.memoryMiB))}
          {typeof h.diskFreeBytes === 'number' && <div class="muted small">{t.hosts.diskFree(bytes(h.diskFreeBytes))}</div>}
        </div>
      ),
    },
    ...claimColumns(usage),
  ];
}

/** The hosts list. */
export function HostsPage() {
  const res = useResource(loadZone, 5000);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const zone = res.data;
  useTitle(t.nav.hosts);
  return (
    <>
      <PageHeader title={t.nav.hosts} sub={t.hosts.sub}>
        {may('hosts.join') && <AddServerButton />}
      </PageHeader>
      <ErrorNote message={res.error} />
      <ErrorNote message={actionError} />
      {zone && (
        <DataTable
          id="hosts-table"
          columns={columns(zone, setActionError)}
          rows={zone.hosts}
          rowKey={(h) => h.id}
          rowAttrs={(h) => ({ 'data-id': h.id, 'data-name': h.name })}
          searchText={(h) => [h.name, h.address, zone.pools.find((p) => p.id === h.poolId)?.name ?? ''].join(' ')}
          searchLabel={t.hosts.search}
          initialSort="name"
        />
      )}
    </>
  );
}
