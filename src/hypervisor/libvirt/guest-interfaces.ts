/**
 * The guest agent's view of a domain's interfaces (DOMAIN_INTERFACE_ADDRESSES with the agent
 * as source): the wire records turned into plain values, and libvirt's several ways of saying
 * "no agent answers" turned into one error.
 */
import { GuestAgentUnavailableError, HypervisorError, HypervisorTimeoutError } from '../errors.js';
import type { GuestInterfaceInfo } from '../types.js';
import type { RemoteDomainInterface } from './protocol.generated.js';

/** virDomainInterfaceAddressesSource: ask the QEMU guest agent. */
export const VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT = 1;
/** How long onebox waits for the agent: it answers in milliseconds when it runs, and libvirt itself waits 5 s for guest-sync. */
export const GUEST_AGENT_DEADLINE_MS = 10_000;

// virIPAddrType
const VIR_IP_ADDR_TYPE_IPV4 = 0;
// virErrorNumber values meaning the agent is absent, not connected, hung or out of sync.
const VIR_ERR_ARGUMENT_UNSUPPORTED = 67;
const VIR_ERR_AGENT_UNRESPONSIVE = 86;
const VIR_ERR_AGENT_UNSYNCED = 97;
const AGENT_ERRORS = new Set([VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_ERR_AGENT_UNRESPONSIVE, VIR_ERR_AGENT_UNSYNCED]);

/** The wire records as plain values (MACs lower-case). */
export function guestInterfacesOf(ifaces: RemoteDomainInterface[]): GuestInterfaceInfo[] {
  return ifaces.map((i) => ({
    name: i.name,
    mac: i.hwaddr ? i.hwaddr.toLowerCase() : null,
    addresses: i.addrs.map((a) => ({ address: a.addr, prefix: a.prefix, family: a.type === VIR_IP_ADDR_TYPE_IPV4 ? ('ipv4' as const) : ('ipv6' as const) })),
  }));
}

/** A failed agent call as GuestAgentUnavailableError when it means "no agent answers"; other errors unchanged. */
export function agentError(err: unknown, domainName: string): unknown {
  if (err instanceof HypervisorTimeoutError) return new GuestAgentUnavailableError(`the guest agent of '${domainName}' did not answer within ${err.timeoutMs} ms`);
  if (err instanceof HypervisorError && err.libvirtCode !== undefined && AGENT_ERRORS.has(err.libvirtCode))
    return new GuestAgentUnavailableError(err.message, err.libvirtCode, err.libvirtDomain);
  return err;
}
