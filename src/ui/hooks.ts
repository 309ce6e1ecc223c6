/**
 * `useEffect` for the whole UI, safe against two quirks of hono/jsx/dom. First: when a component
 * renders twice before the next animation frame after an effect's dependencies changed, the
 * renderer runs that effect twice and keeps only the second cleanup. The first run's timer or
 * subscription then outlives the component, and its state updates render the dead component
 * again, appended under whatever page is shown (the Images page coming back ~20 s after a
 * delete). This wrapper undoes a previous run before running again. Second: effects wait for
 * the next animation frame, and when the component is removed before it (a store change
 * re-renders a list page, then its dialog navigates away), the renderer still runs them and
 * nothing ever cleans them up: the list's poll then renders it again under the next page. So a
 * run after the component is gone does nothing. Import effects from here, never from hono
 * directly (src/ui/source-rules.test.ts checks it).
 */
import { useEffect as honoUseEffect, useLayoutEffect as honoUseLayoutEffect, useRef } from 'hono/jsx/dom';

/** An effect: may return its cleanup. */
export type Effect = () => void | (() => void);

/** Like React's useEffect; a run is always cleaned up before the next one and on unmount. */
export function useEffect(effect: Effect, deps: readonly unknown[]): void {
  const pending = useRef<(() => void) | undefined>(undefined);
  const mounted = useRef(false);
  // A layout effect runs as the component is put on the page, before any queued effect, and the
  // renderer calls its cleanup when it removes the component.
  honoUseLayoutEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  honoUseEffect(() => {
    pending.current?.(); // a run whose cleanup the renderer lost
    if (!mounted.current) return undefined; // queued before the component was removed: it must start nothing
    const cleanup = effect();
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      if (pending.current === once) pending.current = undefined;
      if (typeof cleanup === 'function') cleanup();
    };
    pending.current = once;
    return once;
  }, deps as unknown[]);
}
