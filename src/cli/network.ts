/**
 * `onebox network …`: host networking commands. `bridge-setup --nic NIC [--bridge br0] [--yes]`
 * moves a NIC's addresses and routes to a new bridge (see src/network/bridge-setup.ts); without
 * --yes it only shows what it would do.
 */
import { parseArgs } from 'node:util';
import { BridgeSetupError, type BridgeSetupCode } from '../network/bridge-setup-errors.js';
import { addressText, describePlan, planBridgeSetup, routeText } from '../network/bridge-setup-plan.js';
import { applyBridgeSetup, readHostNetwork, runIp, type IpRunner } from '../network/bridge-setup.js';

/** Usage of `onebox network`. */
export const NETWORK_USAGE = `Usage:
  onebox network bridge-setup --nic NIC [--bridge NAME] [--yes] [--gateway-timeout SECONDS]

bridge-setup makes a Linux bridge (default name br0, STP off, forward delay 0) that takes over
the NIC's addresses and routes, the default route included, and enslaves the NIC, so guests on
the bridge sit on the NIC's LAN. Then it checks that the default gateway still answers through
the bridge (default: within 5 s); if any step fails or the gateway does not answer, it undoes
everything. Without --yes it only prints what it would do. The change lasts until the next boot.

Exit codes: 0 done; 1 failed and rolled back; 2 usage; 3 --yes is missing (nothing changed);
4 refused (no such NIC, loopback, NIC already in a bridge, bridge name taken, …; nothing changed);
5 failed and the rollback failed too (check the NIC by hand).`;

/** Exit codes of bridge-setup (documented in NETWORK_USAGE). */
export const EXIT = { done: 0, failed: 1, usage: 2, confirm: 3, refused: 4, rollbackIncomplete: 5 } as const;

const EXIT_BY_CODE: Record<BridgeSetupCode, number> = {
  invalid_interface_name: EXIT.usage,
  nic_not_found: EXIT.refused,
  nic_is_loopback: EXIT.refused,
  nic_not_ethernet: EXIT.refused,
  nic_is_bridge: EXIT.refused,
  nic_enslaved: EXIT.refused,
  bridge_name_taken: EXIT.refused,
  route_unsupported: EXIT.refused,
  address_unsupported: EXIT.refused,
  unexpected_ip_output: EXIT.failed,
  bridge_setup_failed: EXIT.failed,
  gateway_unreachable: EXIT.failed,
  rollback_incomplete: EXIT.rollbackIncomplete,
};

/** Runs `onebox network ARGS`; returns the exit code. */
export async function runNetwork(argv: string[], ip: IpRunner = runIp): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    console.log(NETWORK_USAGE);
    return sub === undefined ? EXIT.usage : EXIT.done;
  }
  if (sub !== 'bridge-setup') {
    console.error(`onebox network: unknown command '${sub}'\n\n${NETWORK_USAGE}`);
    return EXIT.usage;
  }
  try {
    return await bridgeSetupCommand(rest, ip);
  } catch (err) {
    if (!(err instanceof BridgeSetupError)) throw err;
    console.error(`onebox network bridge-setup: ${err.message} (${err.code})`);
    return EXIT_BY_CODE[err.code];
  }
}

interface BridgeSetupArgs {
  nic: string;
  bridge: string;
  yes: boolean;
  gatewayTimeoutSeconds: number;
}

/** The flags, or a usage message. */
function parseBridgeSetupArgs(argv: string[]): BridgeSetupArgs | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { nic: { type: 'string' }, bridge: { type: 'string' }, yes: { type: 'boolean' }, 'gateway-timeout': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  if (values.help) return '';
  if (values.nic === undefined) return '--nic NIC is required: the interface that connects this host to its LAN.';
  const timeout = Number(values['gateway-timeout'] ?? '5');
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 300) return `--gateway-timeout '${values['gateway-timeout']}' must be a number of seconds between 0 and 300.`;
  return { nic: values.nic, bridge: values.bridge ?? 'br0', yes: values.yes ?? false, gatewayTimeoutSeconds: timeout };
}

async function bridgeSetupCommand(argv: string[], ip: IpRunner): Promise<number> {
  const args = parseBridgeSetupArgs(argv);
  if (typeof args === 'string') {
    if (args === '') {
      console.log(NETWORK_USAGE);
      return EXIT.done;
    }
    console.error(`onebox network bridge-setup: ${args}\n\n${NETWORK_USAGE}`);
    return EXIT.usage;
  }
  const plan = planBridgeSetup(await readHostNetwork(ip), args.nic, args.bridge);
  for (const line of describePlan(plan, args.gatewayTimeoutSeconds)) console.log(line);
  if (!args.yes) {
    console.error(`Nothing was changed. This moves the host's addresses and routes and can cut its network for a moment: run again with --yes to do it.`);
    return EXIT.confirm;
  }
  await applyBridgeSetup(plan, { ip, gatewayTimeoutMs: args.gatewayTimeoutSeconds * 1000, onStep: (label) => console.log(`- ${label}`) });
  console.log(await describeBridge(ip, plan.nic.name, args.bridge));
  return EXIT.done;
}

/** The state after success, read again from the host. */
async function describeBridge(ip: IpRunner, nic: string, bridge: string): Promise<string> {
  const host = await readHostNetwork(ip);
  const lines = [`Done: '${nic}' is a port of '${bridge}' (${host.links.find((l) => l.name === nic)?.master === bridge ? 'confirmed' : 'NOT confirmed'}), and '${bridge}' has:`];
  for (const a of host.addresses.filter((x) => x.dev === bridge && !(x.family === 'inet6' && x.scope === 'link'))) lines.push(`  address ${addressText(a)}`);
  for (const r of host.routes.filter((x) => x.devs.includes(bridge) && !x.dst.startsWith('fe80:') && x.table !== 'local')) lines.push(`  route ${routeText(r)}`);
  lines.push(`This lasts until the next boot: to keep it, describe '${bridge}' in the host's network configuration (/etc/network/interfaces, netplan or NetworkManager).`);
  return lines.join('\n');
}
