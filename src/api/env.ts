/** The Hono environment of the onebox API: per-request variables set by middleware. */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { Actor } from '../services/actor.js';

/** Hono generics for every route. */
export interface AppEnv {
  Bindings: { incoming?: IncomingMessage };
  Variables: {
    requestId: string;
    /** The client's address: the peer, or what a trusted reverse proxy says it is. */
    clientIp: string;
    /** The browser reached us over HTTPS: our own TLS, or a trusted reverse proxy that says so. */
    secure: boolean;
    /** Set by the auth middleware on authenticated routes. */
    actor: Actor;
  };
}

/** The client's address as set by the app's first middleware. */
export function clientIp(c: Context<AppEnv>): string {
  return c.get('clientIp'); // not c.var, which copies every variable into a new object
}

/**
 * Works out the client address: the socket peer ("local" for in-process requests), or, behind
 * one trusted reverse proxy, the last X-Forwarded-For entry (the one that proxy appended; the
 * entries before it come from the client and can be forged).
 */
export function resolveClientIp(c: Context<AppEnv>, trustProxy: boolean): string {
  const peer = c.env?.incoming?.socket.remoteAddress ?? 'local';
  if (!trustProxy) return peer;
  const forwarded = c.req.header('x-forwarded-for')?.split(',').map((a) => a.trim()).filter(Boolean);
  return forwarded?.at(-1)?.slice(0, 64) ?? peer;
}

/**
 * Whether the client's connection is HTTPS: this server's own TLS, or, only with --trust-proxy,
 * a reverse proxy's `X-Forwarded-Proto: https` (its last entry, the one that proxy set).
 */
export function resolveSecure(c: Context<AppEnv>, trustProxy: boolean): boolean {
  if (c.req.url.startsWith('https:')) return true;
  if (!trustProxy) return false;
  return c.req.header('x-forwarded-proto')?.split(',').at(-1)?.trim().toLowerCase() === 'https';
}
