/**
 * The guest agent's view of the guest's system (virDomainGetGuestInfo with the OS and hostname
 * types) as a plain value, and the flags of the agent's other calls onebox makes.
 */
import type { GuestSystemInfo } from '../types.js';
import type { RemoteTypedParam } from './protocol.generated.js';

/** virDomainGuestInfoTypes: the OS (guest-get-osinfo) and the hostname (guest-get-host-name). */
export const VIR_DOMAIN_GUEST_INFO_OS = 1 << 1;
export const VIR_DOMAIN_GUEST_INFO_HOSTNAME = 1 << 3;
/** virDomainShutdownFlagValues: power off through the guest agent (guest-shutdown). */
export const VIR_DOMAIN_SHUTDOWN_GUEST_AGENT = 1 << 1;

/** The string typed parameters of virDomainGetGuestInfo as a GuestSystemInfo (null where the guest says nothing). */
export function guestSystemOf(params: readonly RemoteTypedParam[]): GuestSystemInfo {
  const strings = new Map<string, string>();
  for (const p of params) if (p.value.type === 7 && p.value.s.trim() !== '') strings.set(p.field, p.value.s.trim());
  const get = (field: string) => strings.get(field) ?? null;
  return {
    hostname: get('hostname'),
    osName: get('os.name'),
    osVersion: get('os.version') ?? get('os.version-id'),
    osPrettyName: get('os.pretty-name'),
    kernelRelease: get('os.kernel-release'),
  };
}
