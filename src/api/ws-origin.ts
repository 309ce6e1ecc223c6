/** Which page may open a console websocket: the server's own pages (by Host or the public URL), or a non-browser client with an API token. */
import { AppError } from '../lib/errors.js';

/** `host[:port]` of a URL or of a Host header under a scheme, default port dropped; undefined when malformed. */
function hostPort(scheme: string, authority: string): string | undefined {
  try {
    return new URL(`${scheme}//${authority}`).host;
  } catch {
    return undefined;
  }
}

/**
 * Browsers always send Origin on a websocket: it must be this server as the browser addressed it
 * (the Host header) or the configured public origin. No Origin means a non-browser client, which
 * must then authenticate with a bearer token (a cookie alone is what a browser would carry).
 */
export function checkOrigin(origin: string | undefined, host: string | undefined, hasBearer: boolean, publicOrigin: string | undefined): void {
  if (origin === undefined) {
    if (hasBearer) return;
    throw new AppError('origin_not_allowed', 'A console websocket without an Origin header must authenticate with an API token.');
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = undefined;
  }
  const same = parsed !== undefined && host !== undefined && parsed.host === hostPort(parsed.protocol, host);
  const configured = parsed !== undefined && publicOrigin !== undefined && parsed.origin === new URL(publicOrigin).origin;
  if (!same && !configured)
    throw new AppError('origin_not_allowed', `A console websocket from the page at '${origin.slice(0, 100)}' is not allowed: it must come from this server's own pages.`);
}
