/** Serves the browser SPA from the assets embedded in the executable (or bundle/ui in development). */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

const types: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml', png: 'image/png', woff2: 'font/woff2', json: 'application/json', map: 'application/json',
};

/** GET handler for everything outside /api: a known asset, or index.html so client-side routes work. */
export function staticUi(readAsset: (key: string) => Buffer | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const raw = new URL(c.req.url).pathname;
    // `//evil.com` is no page of ours; answering it with index.html would hand a browser a
    // protocol-relative path to another site (an open redirect through the page's own script).
    if (/^\/(\/|\\|%2f|%5c)/i.test(raw)) return next();
    let path: string;
    try {
      path = decodeURIComponent(raw).replace(/^\/+/, '');
    } catch {
      return next(); // malformed percent-encoding: not one of our files
    }
    if (path.startsWith('api/') || path.split('/').includes('..')) return next();
    const asset = (path && readAsset(`ui/${path}`)) || undefined;
    const file = asset ? path : 'index.html';
    const body = asset ?? readAsset('ui/index.html');
    if (!body) return next();
    const ext = file.split('.').pop() ?? '';
    return c.body(new Uint8Array(body), 200, {
      'content-type': types[ext] ?? 'application/octet-stream',
      'cache-control': file === 'index.html' ? 'no-cache' : 'public, max-age=3600',
    });
  };
}
