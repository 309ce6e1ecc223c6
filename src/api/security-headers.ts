/**
 * Browser hardening for every response (UI and API): a Content-Security-Policy that allows only
 * this origin (plus the hashes of index.html's own inline scripts), no framing, no MIME sniffing,
 * no Referer to other sites; and the Host check that keeps DNS-rebinding pages out.
 */
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../lib/errors.js';
import type { AppEnv } from './env.js';

/** CSP source expressions (`'sha256-…'`) for each inline `<script>` of an HTML page. */
export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`,
  );
}

/** The Content-Security-Policy: same origin only; inline scripts only by hash. */
export function contentSecurityPolicy(scriptHashes: string[] = []): string {
  return [
    "default-src 'self'",
    `script-src 'self'${scriptHashes.map((h) => ` ${h}`).join('')}`,
    // Inline style *attributes* are set by xterm.js and noVNC; no inline style can run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Adds the hardening headers to every response. */
export function securityHeaders(csp: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    c.res.headers.set('content-security-policy', csp);
    c.res.headers.set('x-frame-options', 'DENY');
    c.res.headers.set('x-content-type-options', 'nosniff');
    c.res.headers.set('referrer-policy', 'same-origin');
  };
}

/**
 * Answers 421 to requests whose Host header is not one of this server's names: a page that
 * DNS-rebinds its own name to this address then cannot talk to onebox as "same origin".
 */
export function requireKnownHost(allows: (host: string | undefined) => boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // No Host header (in-process requests): the host the request URL was built with.
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (!allows(host))
      throw new AppError('misdirected_request', `This server does not answer to the name '${(host ?? '').slice(0, 100)}'; open it by its address or host name, or add the name with --public-url.`);
    await next();
  };
}
