/** The API client of a server: pinned HTTPS (or plain HTTP behind a TLS proxy), with the stored token. */
import { Agent as HttpAgent } from 'node:http';
import { createApiClient, type ApiClient } from '../../shared/api-client.js';
import type { CliConfig } from './config-store.js';
import { nodeTransport, type NodeTransport } from './node-transport.js';
import { PinnedAgent } from './pinned-tls.js';

/** A client and its transport (login sets the session's CSRF token, then the API token, on it). */
export interface Connection {
  client: ApiClient;
  transport: NodeTransport;
  /** The agent (a websocket for the console must use it too: it checks the certificate). */
  agent: HttpAgent;
  /** The server URL and the token (the console websocket needs both). */
  server: string;
  token?: string;
  close(): void;
}

/** Connects to `server`, pinning `fingerprint` when it is HTTPS. */
export function connectTo(server: string, fingerprint: string | null, token?: string): Connection {
  const secure = new URL(server).protocol === 'https:';
  if (secure && !fingerprint) throw new Error(`No pinned certificate for ${server}: run 'onebox login ${server}' again.`);
  const agent = secure && fingerprint ? new PinnedAgent(fingerprint) : new HttpAgent({ keepAlive: true });
  const transport = nodeTransport({ server, agent, token });
  return { client: createApiClient(transport), transport, agent, server, token, close: () => agent.destroy() };
}

/** Connects with a stored login. */
export const connectWith = (config: CliConfig) => connectTo(config.server, config.fingerprint, config.token);
