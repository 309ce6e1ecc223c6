/**
 * Does a gateway still answer through the bridge? The route lookup must pick the bridge, and the
 * gateway must answer ARP (IPv4) or neighbour discovery (IPv6) there: a UDP datagram to its
 * discard port makes the kernel ask, and `ip neigh` tells whether an answer came. This needs no
 * ping binary and works with gateways that drop ICMP.
 */
import { createSocket } from 'node:dgram';
import type { Gateway } from './bridge-setup-plan.js';

/** Runs `ip` with these arguments and returns its stdout. */
export type IpRunner = (args: string[]) => Promise<string>;

/** Neighbour states that mean the gateway answered (a fresh entry on a new bridge gets a link-layer address only from an answer). */
const ANSWERED = ['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP'];

const familyFlag = (g: Gateway) => (g.family === 'inet6' ? '-6' : '-4');
const isLinkLocal = (g: Gateway) => g.family === 'inet6' && /^fe[89ab]/i.test(g.address);

/** Options of {@link probeGateway}. */
export interface ProbeOptions {
  timeoutMs: number;
  /** Sends the datagram that makes the kernel resolve the gateway (injectable for tests). */
  poke?: (gateway: Gateway, bridge: string) => Promise<void>;
}

/** Sends one byte to UDP port 9 (discard) of the gateway; errors (an ICMP answer) do not matter. */
async function pokeUdp(gateway: Gateway, bridge: string): Promise<void> {
  const socket = createSocket(gateway.family === 'inet6' ? 'udp6' : 'udp4');
  socket.on('error', () => undefined);
  const host = isLinkLocal(gateway) ? `${gateway.address}%${bridge}` : gateway.address;
  await new Promise<void>((resolve) => socket.send(Buffer.from([0]), 9, host, () => resolve()));
  socket.close();
}

/** Whether the gateway's neighbour entry on the bridge has its link-layer address. */
async function answered(ip: IpRunner, gateway: Gateway, bridge: string): Promise<boolean> {
  const entries = JSON.parse((await ip(['-j', familyFlag(gateway), 'neigh', 'show', 'to', gateway.address, 'dev', bridge])) || '[]') as { lladdr?: string; state?: string[] }[];
  return entries.some((e) => e.lladdr !== undefined && (e.state ?? []).some((s) => ANSWERED.includes(s)));
}

/** Undefined when `gateway` answers through `bridge` within the timeout; otherwise why not, as a sentence. */
export async function probeGateway(ip: IpRunner, gateway: Gateway, bridge: string, options: ProbeOptions): Promise<string | undefined> {
  const routeGet = ['-j', familyFlag(gateway), 'route', 'get', gateway.address, ...(isLinkLocal(gateway) ? ['oif', bridge] : [])];
  const [route] = JSON.parse(await ip(routeGet)) as { dev?: string }[];
  if (route?.dev !== bridge) return `the route to the gateway ${gateway.address} goes through '${route?.dev ?? 'nothing'}', not '${bridge}'`;
  const poke = options.poke ?? pokeUdp;
  const deadline = Date.now() + options.timeoutMs;
  let nextPoke = 0;
  while (Date.now() < deadline) {
    if (Date.now() >= nextPoke) {
      await poke(gateway, bridge);
      nextPoke = Date.now() + 1000;
    }
    if (await answered(ip, gateway, bridge)) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
  return `the gateway ${gateway.address} did not answer ${gateway.family === 'inet6' ? 'neighbour discovery' : 'ARP'} on '${bridge}' within ${options.timeoutMs / 1000} s`;
}
