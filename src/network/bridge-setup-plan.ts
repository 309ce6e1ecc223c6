/**
 * What `bridge-setup` will do, decided from the host's listing alone (pure): which NIC, which
 * addresses and routes move to the new bridge, which gateways are checked afterwards, and the
 * ordered `ip` steps, each with the exact step that undoes it. Refusals are BridgeSetupErrors.
 */
import { BridgeSetupError } from './bridge-setup-errors.js';
import { addressAddArgs, addressDelArgs, type AddressState, type Family, FOREVER, type HostNetwork, type LinkState, routeArgs, type RouteState } from './bridge-setup-ip.js';

/** A gateway that must still answer once the bridge carries the routes. */
export interface Gateway {
  family: Family;
  address: string;
}

/** Everything bridge-setup will change, before it changes anything. */
export interface BridgePlan {
  nic: LinkState;
  bridge: string;
  /**
   * The NIC's addresses that move (IPv6 link-local ones stay), in the order they are added:
   * `ip addr` lists IPv4 addresses oldest first but IPv6 ones newest first, so IPv6 addresses are
   * added in reverse, and both lists then read as they did on the NIC.
   */
  addresses: AddressState[];
  /**
   * The NIC's routes that move, in the order they are added to the bridge (direct ones before
   * those through a gateway). Routes of the local table and IPv6 link-local ones stay: the kernel
   * makes them for each interface.
   */
  routes: RouteState[];
  /** Labels of the moved addresses on the bridge (`uplink:1` becomes `br0:1`), by address. */
  bridgeLabels: Map<AddressState, string | undefined>;
  /** The gateways of the default routes that move. */
  gateways: Gateway[];
  /** What the user should know (addresses from DHCP, …). */
  warnings: string[];
}

/** One change, the `ip` arguments that make it, and those that undo it (none when an earlier undo covers it). */
export interface BridgeStep {
  label: string;
  run: string[];
  undo?: string[];
}

/** Linux's rule for interface names: 1-15 bytes, not `.` or `..`, no `/`, `:` or white space. */
export function validInterfaceName(name: string): boolean {
  return Buffer.byteLength(name) >= 1 && Buffer.byteLength(name) <= 15 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

function checkName(name: string, what: string): void {
  if (!validInterfaceName(name)) {
    throw new BridgeSetupError('invalid_interface_name', `'${name}' is not a valid ${what} name: use 1 to 15 characters without '/', ':' or spaces.`);
  }
}

/** The NIC, if it may be bridged; throws the refusal otherwise. */
function checkNic(host: HostNetwork, nicName: string): LinkState {
  const nic = host.links.find((l) => l.name === nicName);
  const names = host.links.map((l) => l.name).join(', ');
  if (!nic) throw new BridgeSetupError('nic_not_found', `There is no network interface '${nicName}' on this host (it has: ${names}).`);
  if (nic.linkType === 'loopback') throw new BridgeSetupError('nic_is_loopback', `'${nicName}' is the loopback interface: choose the NIC that connects this host to its LAN.`);
  if (nic.kind === 'bridge') throw new BridgeSetupError('nic_is_bridge', `'${nicName}' is a bridge already: guests can use it as it is, without bridge-setup.`);
  if (nic.master !== undefined) {
    throw new BridgeSetupError('nic_enslaved', `'${nicName}' is already a port of '${nic.master}': use '${nic.master}' for guests, or release '${nicName}' from it first.`);
  }
  if (nic.linkType !== 'ether') throw new BridgeSetupError('nic_not_ethernet', `'${nicName}' is a '${nic.linkType}' link, not Ethernet: only an Ethernet NIC can be a bridge port.`);
  return nic;
}

/** The label an address gets on the bridge: `nic:x` becomes `bridge:x`. */
function bridgeLabel(a: AddressState, nic: string, bridge: string): string | undefined {
  if (a.label === undefined || a.label === nic) return undefined;
  const label = a.label.startsWith(`${nic}:`) ? `${bridge}${a.label.slice(nic.length)}` : a.label;
  if (!validInterfaceName(label.replace(':', '_'))) {
    throw new BridgeSetupError('address_unsupported', `The address ${a.local} of '${nic}' has the label '${a.label}', which would be '${label}' on the bridge: longer than 15 characters. Choose a shorter bridge name.`);
  }
  return label;
}

/** Routes the kernel makes by itself for every interface and address: never moved. */
const isPerInterface = (r: RouteState) => r.table === 'local' || (r.family === 'inet6' && r.protocol === 'kernel' && r.dst.startsWith('fe80:'));

/**
 * How a route is added: the kernel makes a main-table route from each address (unless it has
 * noprefixroute), so the bridge may have it already when the route's turn comes, and the NIC gets
 * it back with its addresses on undo; `replace` then leaves it exactly as listed either way.
 */
const addVerb = (r: RouteState) => (r.protocol === 'kernel' ? 'replace' : 'add');

/** Plans moving `nicName`'s addresses and routes to a new bridge `bridge`; throws a BridgeSetupError when it must refuse. */
export function planBridgeSetup(host: HostNetwork, nicName: string, bridge: string): BridgePlan {
  checkName(nicName, 'NIC');
  checkName(bridge, 'bridge');
  const nic = checkNic(host, nicName);
  if (host.links.some((l) => l.name === bridge)) throw new BridgeSetupError('bridge_name_taken', `An interface named '${bridge}' exists already: choose another bridge name with --bridge.`);

  const onNic = host.addresses.filter((a) => a.dev === nicName && !(a.family === 'inet6' && a.scope === 'link'));
  const addresses = [...onNic.filter((a) => a.family === 'inet'), ...onNic.filter((a) => a.family === 'inet6').reverse()];
  const moved = host.routes.filter((r) => r.devs.includes(nicName) && !isPerInterface(r));
  const odd = moved.find((r) => r.unsupported !== undefined);
  if (odd) throw new BridgeSetupError('route_unsupported', `The route ${routeText(odd)} through '${nicName}' cannot be moved: ${odd.unsupported}. Remove it, then run bridge-setup again.`);
  const routes = [...moved.filter((r) => r.gateway === undefined), ...moved.filter((r) => r.gateway !== undefined)];
  const gateways = routes
    .filter((r) => r.dst === 'default' && r.gateway !== undefined && r.table === undefined)
    .map((r) => ({ family: r.family, address: r.gateway ?? '' }))
    .filter((g, i, all) => all.findIndex((o) => o.address === g.address) === i);
  const warnings = addresses
    .filter((a) => a.validLft !== FOREVER)
    .map((a) => `${a.local}/${a.prefixlen} expires in ${a.validLft} s (DHCP or autoconfiguration): its client must renew it on '${bridge}' from now on.`);
  if (gateways.length === 0) warnings.push(`No default route goes through '${nicName}': there is no gateway to check afterwards.`);
  return {
    nic,
    bridge,
    addresses,
    routes,
    bridgeLabels: new Map(addresses.map((a) => [a, bridgeLabel(a, nicName, bridge)])),
    gateways,
    warnings,
  };
}

/** A route in `ip route` words, e.g. `default via 10.0.0.1 metric 100`. */
export function routeText(r: RouteState): string {
  const parts = [r.dst];
  if (r.gateway !== undefined) parts.push('via', r.gateway);
  if (r.table !== undefined) parts.push('table', r.table);
  if (r.protocol !== undefined) parts.push('proto', r.protocol);
  if (r.scope !== undefined) parts.push('scope', r.scope);
  if (r.prefsrc !== undefined) parts.push('src', r.prefsrc);
  parts.push('metric', String(r.metric ?? 0));
  return parts.join(' ');
}

/** An address in `ip addr` words, e.g. `10.0.0.2/24 brd 10.0.0.255`. */
export function addressText(a: AddressState): string {
  const parts = [a.peer !== undefined ? `${a.local} peer ${a.peer}/${a.prefixlen}` : `${a.local}/${a.prefixlen}`];
  if (a.broadcast !== undefined) parts.push('brd', a.broadcast);
  if (a.label !== undefined && a.label !== a.dev) parts.push('label', a.label);
  if (a.scope !== 'global') parts.push('scope', a.scope);
  if (a.metric !== undefined) parts.push('metric', String(a.metric));
  if (a.validLft !== FOREVER) parts.push(`valid_lft ${a.validLft}s`);
  return [...parts, ...a.flags].join(' ');
}

/** The plan for a person: what moves where, and the check that decides whether it stays. */
export function describePlan(plan: BridgePlan, gatewayTimeoutSeconds: number): string[] {
  const { nic, bridge } = plan;
  const lines = [`bridge-setup: '${nic.name}' into a new bridge '${bridge}'`];
  lines.push(`  1. create bridge ${bridge} (STP off, forward delay 0${nic.mac ? `, MAC ${nic.mac}` : ''}, MTU ${nic.mtu})`);
  lines.push(`  2. move ${plan.addresses.length === 0 ? 'no addresses (it has none)' : 'these addresses'} from ${nic.name} to ${bridge}:`);
  for (const a of plan.addresses) lines.push(`       ${addressText(a)}`);
  lines.push(`  3. move ${plan.routes.length === 0 ? 'no routes (it has none)' : 'these routes'} from ${nic.name} to ${bridge}:`);
  for (const r of plan.routes) lines.push(`       ${routeText(r)}${r.dst === 'default' ? '   <- the default route' : ''}`);
  lines.push(`  4. make ${nic.name} a port of ${bridge}`);
  const gws = plan.gateways.map((g) => g.address).join(' and ');
  lines.push(
    gws
      ? `  5. check that the default gateway ${gws} still answers through ${bridge} (ARP/neighbour discovery, ${gatewayTimeoutSeconds} s); if it does not, or any step fails, undo all of it`
      : `  5. if any step fails, undo all of it`,
  );
  return [...lines, ...plan.warnings.map((w) => `  note: ${w}`)];
}

/** The ordered steps that carry out `plan`; each undo restores exactly what its step changed. */
export function bridgeSteps(plan: BridgePlan): BridgeStep[] {
  const { bridge } = plan;
  const nic = plan.nic.name;
  const steps: BridgeStep[] = [
    { label: `create bridge ${bridge}`, run: ['link', 'add', 'name', bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0'], undo: ['link', 'del', 'dev', bridge] },
  ];
  const settings = [...(plan.nic.mac ? ['address', plan.nic.mac] : []), 'mtu', String(plan.nic.mtu)];
  steps.push({ label: `give ${bridge} the MAC and MTU of ${nic}`, run: ['link', 'set', 'dev', bridge, ...settings] });
  steps.push({ label: `bring ${bridge} up`, run: ['link', 'set', 'dev', bridge, 'up'] });
  // Routes through a gateway leave before the direct routes they depend on; secondary addresses before their primary.
  for (const r of [...plan.routes].reverse()) {
    steps.push({ label: `remove route ${routeText(r)} from ${nic}`, run: routeArgs('del', r, nic), undo: routeArgs(addVerb(r), r, nic) });
  }
  for (const a of [...plan.addresses].reverse()) {
    steps.push({ label: `remove address ${addressText(a)} from ${nic}`, run: addressDelArgs(a, nic), undo: addressAddArgs(a, nic, a.label) });
  }
  for (const a of plan.addresses) {
    steps.push({ label: `add address ${addressText(a)} to ${bridge}`, run: addressAddArgs(a, bridge, plan.bridgeLabels.get(a)), undo: addressDelArgs(a, bridge) });
  }
  steps.push({ label: `make ${nic} a port of ${bridge}`, run: ['link', 'set', 'dev', nic, 'master', bridge], undo: ['link', 'set', 'dev', nic, 'nomaster'] });
  for (const r of plan.routes) {
    steps.push({ label: `add route ${routeText(r)} to ${bridge}`, run: routeArgs(addVerb(r), r, bridge), undo: routeArgs('del', r, bridge) });
  }
  return steps;
}
