/**
 * Bridged networking's host step (Nano's model): a Linux bridge takes over a NIC's addresses and
 * routes and the NIC becomes its port, so guests on the bridge sit on the physical LAN. Reads the
 * host with `ip -j`, plans (bridge-setup-plan.ts), applies the steps with a reverter, then checks
 * that every default gateway still answers through the bridge; on any failure everything is
 * undone, back to the NIC's original addresses and routes and no bridge.
 */
import { run } from '../lib/exec.js';
import { Reverter } from '../lib/reverter.js';
import { BridgeSetupError } from './bridge-setup-errors.js';
import { type HostNetwork, parseHostNetwork } from './bridge-setup-ip.js';
import { type BridgePlan, bridgeSteps } from './bridge-setup-plan.js';
import { type IpRunner, probeGateway, type ProbeOptions } from './bridge-setup-probe.js';

export type { IpRunner } from './bridge-setup-probe.js';

/** Runs the real `ip` (iproute2) with an argument array and a 15 s timeout. */
export const runIp: IpRunner = async (args) => (await run(['ip', ...args], { timeoutMs: 15_000 })).stdout;

/** The host's links, addresses and routes (all tables), read with `ip -j`. */
export async function readHostNetwork(ip: IpRunner): Promise<HostNetwork> {
  const [links, addresses, routes4, routes6] = await Promise.all([
    ip(['-j', '-d', 'link', 'show']),
    ip(['-j', 'addr', 'show']),
    ip(['-j', '-4', 'route', 'show', 'table', 'all']),
    ip(['-j', '-6', 'route', 'show', 'table', 'all']),
  ]);
  return parseHostNetwork({ links, addresses, routes4, routes6 });
}

/** How to apply a plan. */
export interface ApplyOptions {
  ip: IpRunner;
  /** How long each gateway has to answer. */
  gatewayTimeoutMs: number;
  /** Replaces the gateway probe (tests); returns why the gateway is unreachable, or undefined. */
  probe?: typeof probeGateway;
  /** Passed to the probe. */
  probeOptions?: Partial<ProbeOptions>;
  /** Called with each step's label before it runs. */
  onStep?: (label: string) => void;
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Carries out `plan`. On success the bridge carries the NIC's addresses and routes and every
 * gateway answered. Otherwise everything is undone and a BridgeSetupError says what failed:
 * `bridge_setup_failed` or `gateway_unreachable`, or `rollback_incomplete` when an undo failed too.
 */
export async function applyBridgeSetup(plan: BridgePlan, options: ApplyOptions): Promise<void> {
  const reverter = new Reverter();
  const probe = options.probe ?? probeGateway;
  let failure: BridgeSetupError;
  let current = '';
  try {
    for (const step of bridgeSteps(plan)) {
      current = step.label;
      options.onStep?.(step.label);
      await options.ip(step.run);
      if (step.undo) reverter.add(step.label, () => options.ip(step.undo ?? []));
    }
    for (const gateway of plan.gateways) {
      current = `check the gateway ${gateway.address}`;
      options.onStep?.(current);
      const unreachable = await probe(options.ip, gateway, plan.bridge, { timeoutMs: options.gatewayTimeoutMs, ...options.probeOptions });
      if (unreachable !== undefined) throw new BridgeSetupError('gateway_unreachable', `The host would lose its gateway: ${unreachable}.`);
    }
    reverter.success();
    return;
  } catch (err) {
    failure = err instanceof BridgeSetupError ? err : new BridgeSetupError('bridge_setup_failed', `Setting up '${plan.bridge}' failed at "${current}": ${reason(err)}.`);
  }
  const failedUndos = await reverter.revert();
  if (failedUndos.length > 0) {
    throw new BridgeSetupError(
      'rollback_incomplete',
      `${failure.message} Rolling back failed too, at: ${failedUndos.join('; ')}. Check '${plan.nic.name}' and '${plan.bridge}' with \`ip addr\` and \`ip route\` and restore them by hand.`,
    );
  }
  throw new BridgeSetupError(failure.code, `${failure.message} Everything was rolled back: '${plan.nic.name}' has its addresses and routes again and '${plan.bridge}' is gone.`);
}
