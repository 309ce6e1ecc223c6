/** Loads API data into a component, reloads it on an interval and after finished tasks. */
import { useRef, useState } from 'hono/jsx/dom';
import { useEffect } from './hooks.js';
import { changes, errorText, useStore } from './store.js';

/** What {@link useResource} returns. */
export interface Resource<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

/** Calls `load` now, every `intervalMs` (0: never) and whenever a task finishes. `key` restarts it. */
export function useResource<T>(load: () => Promise<T>, intervalMs = 5000, key = ''): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const changed = useStore(changes);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let alive = true;
    const run = () =>
      loadRef.current().then(
        (d) => {
          if (!alive) return;
          setData(d);
          setError(undefined);
          setLoading(false);
        },
        (err: unknown) => {
          if (!alive) return;
          setError(errorText(err));
          setLoading(false);
        },
      );
    void run();
    const timer = intervalMs > 0 ? setInterval(run, intervalMs) : undefined;
    return () => {
      alive = false;
      if (timer) clearInterval(timer);
    };
  }, [key, tick, changed, intervalMs]);
  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}
