/** The Hono environment of the onebox API: per-request variables set by middleware. */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { Actor } from '../services/actor.js';

/** Hono generics for every route. */
export interface AppEnv {
  Bindings: { incoming?: IncomingMessage };
  Variables: {
    requestId: string;
    /** Set by the auth middleware on authenticated routes. */
    actor: Actor;
  };
}

/** The peer address of the request ("local" for in-process test requests). */
export function clientIp(c: Context<AppEnv>): string {
  return c.env?.incoming?.socket.remoteAddress ?? 'local';
}
