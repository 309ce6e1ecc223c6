/**
 * The host's own network interfaces, and bridge-setup run by the host agent in the host's
 * network namespace: list the NICs a bridge could take over, show the plan, carry it out with
 * rollback (src/network/bridge-setup.ts). The CLI's `onebox network bridge-setup` is the same
 * thing run by hand; this is the path the API and UI take, through HostAgent.
 */
import { run } from '../lib/exec.js';
import { BridgeSetupError } from '../network/bridge-setup-errors.js';
import type { HostNetwork } from '../network/bridge-setup-ip.js';
import { describePlan, planBridgeSetup } from '../network/bridge-setup-plan.js';
import type { ProbeOptions } from '../network/bridge-setup-probe.js';
import { applyBridgeSetup, readHostNetwork, type IpRunner } from '../network/bridge-setup.js';

import type { BridgeSetupResult, HostInterface } from '../shared/hosts.js';

/** The interfaces of a host as the API shows them. Pure. */
export function hostInterfacesOf(host: HostNetwork): HostInterface[] {
  const defaultDevs = new Set(host.routes.filter((r) => r.dst === 'default' && (r.table === undefined || r.table === 'main')).flatMap((r) => r.devs));
  return host.links.map((l) => ({
    name: l.name,
    kind: l.linkType === 'loopback' ? 'loopback' : l.kind === 'bridge' ? 'bridge' : l.linkType === 'ether' ? 'ethernet' : 'other',
    mac: l.mac ?? null,
    up: l.up,
    addresses: host.addresses.filter((a) => a.dev === l.name).map((a) => `${a.local}/${a.prefixlen}`),
    master: l.master ?? null,
    defaultRoute: defaultDevs.has(l.name),
  }));
}

/** Reads and changes one host's interfaces through `ip`. */
export class HostBridges {
  constructor(
    private readonly ip: IpRunner,
    /**
     * Makes the host's kernel ask for the gateway. The default sends a datagram from this process,
     * which is right only when it runs in the host's own namespace; an agent whose host lives in
     * another namespace must send it from there (see {@link pokeFromCommand}).
     */
    private readonly poke?: ProbeOptions['poke'],
    /** How long the default gateway has to answer through the new bridge. */
    private readonly gatewayTimeoutMs = 5_000,
  ) {}

  async interfaces(): Promise<HostInterface[]> {
    return hostInterfacesOf(await readHostNetwork(this.ip));
  }

  /**
   * The plan for moving `nic` into a new bridge; with `apply`, also carries it out (undone on any
   * failure). Throws BridgeSetupError with a stable code when it refuses or fails.
   */
  async setup(nic: string, bridge: string, apply: boolean): Promise<BridgeSetupResult> {
    const plan = planBridgeSetup(await readHostNetwork(this.ip), nic, bridge);
    const lines = describePlan(plan, Math.round(this.gatewayTimeoutMs / 1000));
    if (!apply) return { applied: false, bridge, plan: lines };
    await applyBridgeSetup(plan, { ip: this.ip, gatewayTimeoutMs: this.gatewayTimeoutMs, probeOptions: this.poke ? { poke: this.poke } : {} });
    const after = await readHostNetwork(this.ip);
    if (after.links.find((l) => l.name === nic)?.master !== bridge)
      throw new BridgeSetupError('bridge_setup_failed', `After bridge-setup '${nic}' is not a port of '${bridge}'; check the host's interfaces.`);
    return { applied: true, bridge, plan: lines };
  }
}

/**
 * A gateway poke run as a command under `prefix` (e.g. `ip netns exec NS`): bash writes one byte
 * to the gateway's UDP discard port through /dev/udp, so the datagram leaves from the host's
 * namespace and never from the controller's. The address goes in as an argument, not as code.
 */
export function pokeFromCommand(prefix: string[]): NonNullable<ProbeOptions['poke']> {
  return async (gateway, bridge) => {
    const host = gateway.family === 'inet6' && /^fe[89ab]/i.test(gateway.address) ? `${gateway.address}%${bridge}` : gateway.address;
    await run([...prefix, 'bash', '-c', 'printf x 2>/dev/null >"/dev/udp/$0/9"', host], { timeoutMs: 5_000 }).catch(() => undefined);
  };
}
