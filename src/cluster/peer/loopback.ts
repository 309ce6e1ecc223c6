/**
 * The loopback peer: a LocalHostAgent served over HTTP on 127.0.0.1 and driven through
 * PeerHostAgent, so tests prove that the controller works the same with a remote host.
 */
import type { AddressInfo } from 'node:net';
import { Agent } from 'node:http';
import type { HostAgent } from '../host-agent.js';
import { PeerHostAgent } from './client.js';
import { createPeerServer } from './server.js';

/** A running loopback peer. */
export interface LoopbackPeer {
  client: PeerHostAgent;
  port: number;
  close(): Promise<void>;
}

/** Serves `agent` on a free loopback port and connects a client to it. */
export async function startLoopbackPeer(agent: HostAgent): Promise<LoopbackPeer> {
  const server = createPeerServer(agent);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const http = new Agent({ keepAlive: true });
  const client = await PeerHostAgent.connect({ baseUrl: `http://127.0.0.1:${port}`, agent: http });
  return {
    client,
    port,
    async close() {
      await client.close();
      http.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
