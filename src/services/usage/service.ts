/** Usage of instances, hosts, pools and the zone: histories from the store, live samples from the collector. */
import type { HostAgent } from '../../cluster/host-agent.js';
import type { Db } from '../../db/client.js';
import { poolStorageSeries, storageSeries, usageSeries, type UsageHistory, type UsageRange, type UsageSample } from '../../shared/usage.js';
import type { HostsService } from '../hosts.js';
import type { InstanceStore } from '../instances/store.js';
import type { PoolsService } from '../pools.js';
import type { StoragePoolsService } from '../storage-pools.js';
import { UsageCollector } from './collector.js';
import { UsageHistoryStore } from './history.js';

/** What a history or a live stream is about. */
export type UsageTargetKind = 'instance' | 'host' | 'pool' | 'zone';

/** Looks up targets (NotFound for unknown ones) and serves their usage. */
export class UsageService {
  readonly store: UsageHistoryStore;
  readonly collector: UsageCollector;

  constructor(
    db: Db,
    private readonly lookups: { instances: InstanceStore; hosts: HostsService; pools: PoolsService; storagePools: StoragePoolsService },
    agents: () => Map<HostAgent, string>,
    now: () => number = Date.now,
  ) {
    this.store = new UsageHistoryStore(db, now);
    this.collector = new UsageCollector({ db, history: this.store, agents, storagePools: () => lookups.storagePools.specs(), now });
  }

  /** The series name of a target, after checking it exists (instance_not_found, host_not_found, pool_not_found). */
  seriesOf(kind: UsageTargetKind, idOrName?: string): string {
    if (kind === 'zone') return usageSeries('zone');
    const id = idOrName ?? '';
    if (kind === 'instance') return usageSeries(kind, this.lookups.instances.get(id).id);
    if (kind === 'host') return usageSeries(kind, this.lookups.hosts.get(id).id);
    return usageSeries(kind, this.lookups.pools.get(id).id);
  }

  /** The series name of a host's (`storage`) or a compute pool's (`pool-storage`) storage location, after checking both exist (host_not_found, compute_pool_not_found, storage_pool_not_found). */
  locationSeriesOf(kind: 'storage' | 'pool-storage', ownerIdOrName: string, storagePoolIdOrName: string): string {
    const storagePoolId = this.lookups.storagePools.get(storagePoolIdOrName).id;
    if (kind === 'storage') return storageSeries(this.lookups.hosts.get(ownerIdOrName).id, storagePoolId);
    return poolStorageSeries(this.lookups.pools.get(ownerIdOrName).id, storagePoolId);
  }

  /**
   * The history of one target over a range; a host's and a compute pool's also have one history
   * per storage location reported (for a pool: its hosts' together).
   */
  history(kind: UsageTargetKind, idOrName: string | undefined, range: UsageRange): UsageHistory {
    const series = this.seriesOf(kind, idOrName);
    const out: UsageHistory = { series, range, ...this.store.history(series, range) };
    if (kind !== 'host' && kind !== 'pool') return out;
    const id = series.slice(`${kind}:`.length);
    const locationSeries = kind === 'host' ? storageSeries : poolStorageSeries;
    out.locations = this.lookups.storagePools.list().flatMap((p) => {
      const s = locationSeries(id, p.id);
      const { points } = this.store.history(s, range);
      return points.length ? [{ storagePoolId: p.id, name: p.name, series: s, points }] : [];
    });
    return out;
  }

  /** Calls `listener` with the newest samples of the given series (at once with what is known, then every tick); returns the unsubscribe function. */
  watch(series: ReadonlySet<string>, listener: (samples: UsageSample[]) => void): () => void {
    const known = [...series].flatMap((s) => this.collector.latest.get(s) ?? []);
    if (known.length) listener(known);
    return this.collector.onSamples((samples) => {
      const mine = samples.filter((s) => series.has(s.series));
      if (mine.length) listener(mine);
    });
  }
}
