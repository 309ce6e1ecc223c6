/**
 * The one live usage connection of the page: a single EventSource on `usage/stream` carrying the
 * newest sample of every series some component watches (reopened when that set changes), so
 * charts update every collection tick without any per-page polling.
 */
import type { UsageSample } from '../shared/usage.js';
import { openUsageStream } from './api.js';

type Listener = (sample: UsageSample) => void;

const listeners = new Map<string, Set<Listener>>();
let source: EventSource | undefined;
let reopenTimer: ReturnType<typeof setTimeout> | undefined;

function reopen(): void {
  clearTimeout(reopenTimer);
  // Components mount together: one reconnect for all of them.
  reopenTimer = setTimeout(() => {
    source?.close();
    source = undefined;
    const series = [...listeners.keys()];
    if (!series.length) return;
    source = openUsageStream(series);
    source.addEventListener('usage', (e) => {
      for (const sample of JSON.parse((e as MessageEvent<string>).data) as UsageSample[]) listeners.get(sample.series)?.forEach((l) => l(sample));
    });
  }, 50);
}

/** Calls `listener` with each new sample of `series`; returns the unsubscribe function. */
export function watchUsage(series: string, listener: Listener): () => void {
  let set = listeners.get(series);
  const added = !set;
  if (!set) listeners.set(series, (set = new Set()));
  set.add(listener);
  if (added) reopen();
  return () => {
    set.delete(listener);
    if (set.size === 0 && listeners.get(series) === set) {
      listeners.delete(series);
      reopen();
    }
  };
}
