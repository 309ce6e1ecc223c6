/**
 * `GET /metrics`: Prometheus text for hosts, pools, instances, the onebox process and its HTTP
 * requests. Outside /api/v1 (where scrapers look) and for API tokens only: a scraper has no
 * session. Any user's token works: onebox has no read-only role yet.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Exposition, PROMETHEUS_CONTENT_TYPE } from '../lib/prometheus.js';
import type { Services } from '../services/index.js';
import type { CloudMetrics } from '../services/metrics.js';
import { INSTANCE_STATES } from '../shared/instance-states.js';
import { requireApiToken } from './auth.js';
import { requirePermission } from './route-permissions.js';
import type { AppEnv } from './env.js';

/** Counts answered HTTP requests by route pattern, method and status. */
export class HttpRequestCounter {
  private readonly counts = new Map<string, { route: string; method: string; status: string; n: number }>();

  /** Middleware that counts each request once it is answered. */
  middleware(): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      await next();
      this.count(routeOf(c), c.req.method, c.res.status);
    };
  }

  count(route: string, method: string, status: number): void {
    const key = `${method} ${route} ${status}`;
    const entry = this.counts.get(key);
    if (entry) entry.n++;
    else this.counts.set(key, { route, method, status: String(status), n: 1 });
  }

  /** The samples of `onebox_http_requests_total`. */
  samples(): [Record<string, string>, number][] {
    return [...this.counts.values()].map((e) => [{ route: e.route, method: e.method, status: e.status }, e.n]);
  }
}

/** The pattern of the route that answered (`/api/v1/instances/:id`), or `other` (UI files, unknown paths): bounded label values. */
function routeOf(c: Context): string {
  const route = matchedRoutes(c).at(c.req.routeIndex);
  return route && route.method !== 'ALL' ? route.path : 'other';
}

const MiB = 1024 * 1024;
const startedAt = Date.now() / 1000 - process.uptime();

/** Renders the cloud and process figures as Prometheus text. */
export function renderMetrics(m: CloudMetrics, http: HttpRequestCounter): string {
  const e = new Exposition();
  const host = (h: CloudMetrics['hosts'][number]) => ({ host: h.name, host_id: h.id });
  e.family('onebox_host_up', 'gauge', 'Whether the host agent answers (1) or not (0).', m.hosts.map((h) => [host(h), h.online ? 1 : 0]));
  e.family('onebox_host_cpus', 'gauge', 'Logical CPUs of the host.', m.hosts.map((h) => [host(h), h.cpus]));
  e.family('onebox_host_memory_bytes', 'gauge', 'Memory of the host.', m.hosts.map((h) => [host(h), h.memoryBytes]));
  e.family('onebox_host_memory_allocated_bytes', 'gauge', 'Memory of the instances placed on the host.', m.hosts.map((h) => [host(h), h.allocatedMemoryBytes]));
  e.family('onebox_host_vcpus_allocated', 'gauge', 'vCPUs of the instances placed on the host.', m.hosts.map((h) => [host(h), h.allocatedVcpus]));
  e.family('onebox_host_storage_size_bytes', 'gauge', 'Size of the filesystem of each storage location on the host.', m.hosts.flatMap((h) => h.storage.map((s): [Record<string, string>, number] => [{ ...host(h), storage_pool: s.storagePool }, s.totalBytes])));
  e.family('onebox_host_storage_free_bytes', 'gauge', 'Free space of each storage location on the host.', m.hosts.flatMap((h) => h.storage.map((s): [Record<string, string>, number] => [{ ...host(h), storage_pool: s.storagePool }, s.freeBytes])));
  const measured = m.hosts.filter((h) => h.usage);
  const modes = [['user', 'userNs'], ['system', 'kernelNs'], ['idle', 'idleNs'], ['iowait', 'iowaitNs']] as const;
  e.family('onebox_host_cpu_seconds_total', 'counter', 'CPU time of the host summed over its CPUs since it booted, by mode.', measured.flatMap((h) => modes.map(([mode, key]): [Record<string, string>, number] => [{ ...host(h), mode }, h.usage!.cpu[key] / 1e9])));
  e.family('onebox_host_memory_available_bytes', 'gauge', 'Memory of the host available without swapping (free, buffers and page cache).', measured.map((h) => [host(h), h.usage!.memory.availableBytes]));
  e.family('onebox_host_memory_free_bytes', 'gauge', 'Unused memory of the host.', measured.map((h) => [host(h), h.usage!.memory.freeBytes]));
  e.family('onebox_host_network_receive_bytes_total', 'counter', 'Bytes received by each NIC of the host (guest taps and loopback left out).', measured.flatMap((h) => h.usage!.nics.map((n): [Record<string, string>, number] => [{ ...host(h), device: n.device }, n.rxBytes])));
  e.family('onebox_host_network_transmit_bytes_total', 'counter', 'Bytes sent by each NIC of the host (guest taps and loopback left out).', measured.flatMap((h) => h.usage!.nics.map((n): [Record<string, string>, number] => [{ ...host(h), device: n.device }, n.txBytes])));
  e.family('onebox_host_instances', 'gauge', 'Instances placed on the host, by state.', m.hosts.flatMap((h) => INSTANCE_STATES.map((state): [Record<string, string>, number] => [{ ...host(h), state }, h.instancesByState[state] ?? 0])));
  e.family('onebox_instances', 'gauge', 'Instances by state.', INSTANCE_STATES.map((state) => [{ state }, m.instances.filter((i) => i.state === state).length]));

  const inPool = (id: string) => m.hosts.filter((h) => h.poolId === id);
  const sum = (hosts: CloudMetrics['hosts'], f: (h: CloudMetrics['hosts'][number]) => number) => hosts.reduce((a, h) => a + f(h), 0);
  const pool = (p: CloudMetrics['pools'][number]) => ({ pool: p.name, pool_id: p.id });
  e.family('onebox_pool_hosts', 'gauge', 'Hosts in the compute pool.', m.pools.map((p) => [pool(p), inPool(p.id).length]));
  e.family('onebox_pool_cpus', 'gauge', 'Logical CPUs of the hosts in the compute pool.', m.pools.map((p) => [pool(p), sum(inPool(p.id), (h) => h.cpus)]));
  e.family('onebox_pool_memory_bytes', 'gauge', 'Memory of the hosts in the compute pool.', m.pools.map((p) => [pool(p), sum(inPool(p.id), (h) => h.memoryBytes)]));
  e.family('onebox_pool_vcpus_allocated', 'gauge', 'vCPUs of the instances in the compute pool.', m.pools.map((p) => [pool(p), m.instances.filter((i) => i.poolId === p.id).reduce((a, i) => a + i.vcpus, 0)]));
  e.family('onebox_pool_memory_allocated_bytes', 'gauge', 'Memory of the instances in the compute pool.', m.pools.map((p) => [pool(p), m.instances.filter((i) => i.poolId === p.id).reduce((a, i) => a + i.memoryBytes, 0)]));

  const hostNames = new Map(m.hosts.map((h) => [h.id, h.name]));
  const inst = (i: CloudMetrics['instances'][number]) => ({ instance: i.name, instance_id: i.id, host: hostNames.get(i.hostId) ?? i.hostId });
  const live = m.instances.filter((i) => i.stats);
  e.family('onebox_instance_vcpus', 'gauge', 'vCPUs of the instance.', m.instances.map((i) => [inst(i), i.vcpus]));
  e.family('onebox_instance_memory_bytes', 'gauge', 'Memory of the instance (its configured size).', m.instances.map((i) => [inst(i), i.memoryBytes]));
  e.family('onebox_instance_running', 'gauge', 'Whether the instance is running (1) or not (0).', m.instances.map((i) => [inst(i), i.state === 'running' ? 1 : 0]));
  e.family('onebox_instance_memory_current_bytes', 'gauge', 'Memory the running guest has now (balloon).', live.map((i) => [inst(i), i.stats!.memoryMiB * MiB]));
  e.family('onebox_instance_cpu_seconds_total', 'counter', 'CPU time used by the running instance since it started.', live.map((i) => [inst(i), i.stats!.cpuTimeNs / 1e9]));
  e.family('onebox_instance_disk_read_bytes_total', 'counter', 'Bytes read from the disks of the running instance since it started.', live.map((i) => [inst(i), i.stats!.diskReadBytes]));
  e.family('onebox_instance_disk_written_bytes_total', 'counter', 'Bytes written to the disks of the running instance since it started.', live.map((i) => [inst(i), i.stats!.diskWriteBytes]));
  e.family('onebox_instance_network_receive_bytes_total', 'counter', 'Bytes received by the NICs of the running instance since it started.', live.map((i) => [inst(i), i.stats!.netRxBytes]));
  e.family('onebox_instance_network_transmit_bytes_total', 'counter', 'Bytes sent by the NICs of the running instance since it started.', live.map((i) => [inst(i), i.stats!.netTxBytes]));

  const cpu = process.cpuUsage();
  e.family('process_resident_memory_bytes', 'gauge', 'Resident memory of the onebox process.', [[{}, process.memoryUsage.rss()]]);
  e.family('process_cpu_seconds_total', 'counter', 'CPU time of the onebox process (user and system).', [[{}, (cpu.user + cpu.system) / 1e6]]);
  e.family('process_start_time_seconds', 'gauge', 'When the onebox process started, in seconds since the epoch.', [[{}, Math.round(startedAt)]]);
  e.family('onebox_http_requests_total', 'counter', 'HTTP requests answered, by route, method and status.', http.samples());
  return e.text();
}

/** The `/metrics` route. */
export function metricsRoutes(s: Services, http: HttpRequestCounter) {
  return new Hono<AppEnv>().use('*', requireApiToken(s.auth)).use('*', requirePermission(s)).get('/', async (c) => {
    const text = renderMetrics(await s.metrics.collect(), http);
    return c.body(text, 200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
  });
}
