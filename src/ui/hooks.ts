/**
 * `useEffect` for the whole UI, safe against a quirk of hono/jsx/dom: when a component renders
 * twice before the next animation frame after an effect's dependencies changed, the renderer
 * runs that effect twice and keeps only the second cleanup. The first run's timer or
 * subscription then outlives the component, and its state updates render the dead component
 * again, appended under whatever page is shown (the Images page coming back ~20 s after a
 * delete). This wrapper undoes a previous run before running again. Import effects from here,
 * never from hono directly (src/ui/source-rules.test.ts checks it).
 */
import { useEffect as honoUseEffect, useRef } from 'hono/jsx/dom';

/** An effect: may return its cleanup. */
export type Effect = () => void | (() => void);

/** Like React's useEffect; a run is always cleaned up before the next one and on unmount. */
export function useEffect(effect: Effect, deps: readonly unknown[]): void {
  const pending = useRef<(() => void) | undefined>(undefined);
  honoUseEffect(() => {
    pending.current?.(); // a run whose cleanup the renderer lost
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
