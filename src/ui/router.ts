/**
 * Hash routing (`#/instances/ins_x`): the document path never changes, so relative URLs keep
 * working behind a reverse proxy with a path prefix.
 */
import { useState } from 'hono/jsx/dom';
import { useEffect } from './hooks.js';

/** The current route split into segments: `#/instances/ins_x/console` → ['instances', 'ins_x', 'console']. */
export function currentRoute(): string[] {
  return location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
}

/** The query part of the hash route (`#/instances?q=web`). */
export function routeQuery(): URLSearchParams {
  const hash = location.hash;
  const i = hash.indexOf('?');
  return new URLSearchParams(i >= 0 ? hash.slice(i + 1) : '');
}

/** A link target for route segments. */
export const href = (...segments: string[]): string => `#/${segments.map(encodeURIComponent).join('/')}`;

/** Navigates to route segments. */
export function navigate(...segments: string[]): void {
  location.hash = href(...segments);
}

/** Re-renders on every hash change and returns the current route. */
export function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const update = () => setRoute((shown) => {
      const now = currentRoute();
      return now.join('/') === shown.join('/') ? shown : now;
    });
    window.addEventListener('hashchange', update);
    // A hash change between the first render and this effect fired no listener of ours (a
    // re-mount, e.g. on a language switch, followed at once by a navigation): catch up now.
    update();
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
