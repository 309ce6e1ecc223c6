/** @jsxImportSource hono/jsx/dom */
/** Hosts: the list with online state, scheduling switch, pool select, capacity and claimed usage. */
import { useState } from 'hono/jsx/dom';
import { ErrorNote } from '../components/error-note.js';
import { HostPoolSelect } from '../components/host-pool-select.js';
import { HostSchedulingSwitch } from '../components/host-scheduling-switch.js';
import { PageHeader } from '../components/layout.js';
import { StateBadge } from '../components/state-badge.js';
import { UsageBar } from '../components/usage-bar.js';
import { bytes, mib } from '../format.js';
import { href } from '../router.js';
import { t } from '../i18n/index.js';
import { useTitle } from '../title.js';
import { useResource } from '../use-resource.js';
import { loadZone, usageOf } from '../zone.js';

/** The hosts list. */
export function HostsPage() {
  const res = useResource(loadZone, 5000);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const zone = res.data;
  useTitle(t.nav.hosts);
  return (
    <>
      <PageHeader title="Hosts" sub="Move a host to a pool, or stop placing new instances on it." />
      <ErrorNote message={res.error} />
      <ErrorNote message={actionError} />
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
              </tr>
            </thead>
            <tbody>
              {zone.hosts.map((h) => {
                const u = usageOf([h], zone.instances.filter((i) => i.hostId === h.id));
                return (
                  <tr key={h.id} data-id={h.id}>
                    <td data-label="Name">
                      <div>
                        <a class="strong" href={href('hosts', h.id)}>{h.name}</a>
                        <div class="muted small mono">{h.address}</div>
                      </div>
                    </td>
                    <td data-label="State">
                      <div>
                        <StateBadge state={h.online ? 'online' : 'offline'} />
                        <div class="cell-line"><HostSchedulingSwitch host={h} onError={setActionError} /></div>
                      </div>
                    </td>
                    <td data-label="Pool"><HostPoolSelect host={h} pools={zone.pools} onError={setActionError} /></td>
                    <td data-label="Accelerator" title={h.accelReason}>
                      <div>
                        {h.accel.toUpperCase()}
                        {h.libvirtVersion && <span class="muted"> · libvirt {h.libvirtVersion}</span>}
                        {h.accelReason && <div class="muted small clamp">{h.accelReason}</div>}
                      </div>
                    </td>
                    <td data-label="Capacity">
                      <div>
                        {h.cpus} CPUs · {mib(h.memoryMiB)}
                        {typeof h.diskFreeBytes === 'number' && <div class="muted small">{bytes(h.diskFreeBytes)} disk free</div>}
                      </div>
                    </td>
                    <td data-label="Cores claimed" class="bar-cell">
                      <UsageBar label="" used={u.claimedCores} total={h.cpus} format={String} />
                    </td>
                    <td data-label="Memory claimed" class="bar-cell">
                      <UsageBar label="" used={u.claimedMemoryMiB} total={h.memoryMiB} format={mib} />
                    </td>
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
