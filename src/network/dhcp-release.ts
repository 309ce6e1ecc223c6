/**
 * Frees a lease dnsmasq still holds for a guest that is gone (dnsmasq-utils' dhcp_release sends
 * the DHCPRELEASE that guest never will, as OpenStack does). Without it, an address handed to a
 * new instance stays leased to the old MAC until the lease expires, and the new guest gets none.
 */
import { run } from '../lib/exec.js';

/** Sends a DHCPRELEASE for `ip`/`mac` on `iface` (run with `prefix` in a lab's namespace). */
export async function releaseLease(iface: string, ip: string, mac: string, prefix: string[] = []): Promise<void> {
  await run([...prefix, 'dhcp_release', iface, ip, mac], { timeoutMs: 10_000 });
}
