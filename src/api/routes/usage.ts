/**
 * Usage: `GET /{instances,hosts,pools}/:id/usage-history?range=…` (the zone's at `/usage/history`)
 * and `GET /usage/stream?series=…`, server-sent events with the newest sample of each watched
 * series every collection tick (a target's, or one storage location of a host or a pool, the
 * `series` its usage-history names under `locations`).
 */
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import type { Services } from '../../services/index.js';
import type { UsageTargetKind } from '../../services/usage/service.js';
import { usageHistoryQuerySchema, type UsageSample } from '../../shared/usage.js';
import type { AppEnv } from '../env.js';
import type { Actor } from '../../services/actor.js';
import { queryParams } from '../validate.js';
import { doc } from '../route-doc.js';
import { usageHistorySchema } from '../../shared/responses.js';

const streamQuery = z.object({ series: z.string().min(1).max(2000) }).strict();
const SERIES = /^(zone|(instance|host|pool):[A-Za-z0-9_.-]{1,64})$/;
/** A storage location's series: `storage:<host>.<storage pool>` or `pool-storage:<compute pool>.<storage pool>` (ids have no dots). */
const LOCATION_SERIES = /^(storage|pool-storage):([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64})$/;
/** How often an idle stream sends a comment so proxies keep it open. */
const KEEPALIVE_MS = 25_000;

/** The series names of a `series` query, each checked to exist (an instance's also to be visible to the caller). */
function parseSeries(s: Services, raw: string, actor: Actor): Set<string> {
  const out = new Set<string>();
  for (const name of raw.split(',').slice(0, 50)) {
    const location = LOCATION_SERIES.exec(name);
    if (location) {
      out.add(s.usage.locationSeriesOf(location[1] as 'storage' | 'pool-storage', location[2] ?? '', location[3] ?? ''));
      continue;
    }
    if (!SERIES.test(name)) throw new AppError('validation_failed', `'${name.slice(0, 80)}' is not a usage series; use zone, instance:<id>, host:<id>, pool:<id>, storage:<host id>.<storage pool id> or pool-storage:<pool id>.<storage pool id>.`);
    const [kind, id] = name.split(':') as [UsageTargetKind, string | undefined];
    if (kind === 'instance' && id !== undefined) s.rbac.assertResource(actor, 'instance', id, 'instances.read');
    out.add(s.usage.seriesOf(kind, id));
  }
  return out;
}

/** The usage routes, mounted at the API root. */
export function usageRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  const history = (kind: UsageTargetKind) => (c: Context<AppEnv>) => c.json(s.usage.history(kind, c.req.param('id'), queryParams(c, usageHistoryQuerySchema).range));
  app.get('/instances/:id/usage-history', doc({ summary: "An instance's usage history", query: usageHistoryQuerySchema, description: 'range=hour|day|week|month: 10 s, 1 min or 10 min points with average and maximum of CPU %, memory, disk and network rates.', responses: { 200: usageHistorySchema } }), history('instance'));
  app.get('/hosts/:id/usage-history', doc({ summary: "A host's usage history: its own figures, its guests' share and one history per storage location (locations)", query: usageHistoryQuerySchema, description: 'range=hour|day|week|month: 10 s, 1 min or 10 min points with average and maximum of CPU %, memory, disk and network rates.', responses: { 200: usageHistorySchema } }), history('host'));
  app.get('/pools/:id/usage-history', doc({ summary: "A compute pool's usage history (the sum of its hosts) and one history per storage location its hosts report (locations)", query: usageHistoryQuerySchema, description: 'range=hour|day|week|month: 10 s, 1 min or 10 min points with average and maximum of CPU %, memory, disk and network rates.', responses: { 200: usageHistorySchema } }), history('pool'));
  app.get('/usage/history', doc({ summary: "The zone's usage history (every host)", query: usageHistoryQuerySchema, description: 'range=hour|day|week|month: 10 s, 1 min or 10 min points with average and maximum of CPU %, memory, disk and network rates.', responses: { 200: usageHistorySchema } }), history('zone'));
  app.get('/usage/stream', doc({ summary: 'Server-sent events: the newest sample of each series named in ?series= at every collection', description: 'series: comma-separated zone, instance:<id>, host:<id>, pool:<id>, storage:<host id>.<storage pool id>, pool-storage:<pool id>.<storage pool id> (the storage locations a usage-history names).', query: streamQuery, responses: { 200: { mediaType: 'text/event-stream', description: 'usage events, each a JSON array of samples' } } }), (c) => {
    const series = parseSeries(s, queryParams(c, streamQuery).series, c.var.actor);
    return streamSSE(c, async (stream) => {
      const queue: UsageSample[][] = [];
      let wake: (() => void) | undefined;
      const stop = s.usage.watch(series, (samples) => {
        queue.push(samples);
        wake?.();
      });
      stream.onAbort(() => wake?.());
      try {
        while (!stream.aborted) {
          const next = queue.shift();
          if (next) {
            await stream.writeSSE({ event: 'usage', data: JSON.stringify(next) });
            continue;
          }
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, KEEPALIVE_MS).unref();
          });
          wake = undefined;
          if (!queue.length && !stream.aborted) await stream.write(': keepalive\n\n');
        }
      } finally {
        stop();
      }
    });
  });
  return app;
}
