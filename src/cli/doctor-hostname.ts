/**
 * `onebox doctor`: whether this host's name resolves at once. libvirt looks its host name up
 * (getaddrinfo) at every step of a migration, including the destination's last step while the
 * guest is paused; a name that only DNS knows, with no DNS reachable, costs the resolver's
 * whole timeout (glibc: 2 × 5 s) there — seen as a 10 s pause of live migrations in the lab
 * before its hosts got an /etc/hosts line.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { hostname as osHostname } from 'node:os';
import type { CheckResult } from './doctor.js';

/** Above this, the lookup is too slow to sit inside a migration's pause. */
export const SLOW_LOOKUP_MS = 500;

/** Resolves a name to some address (getaddrinfo, through nsswitch like libvirt). */
export type HostnameLookup = (name: string) => Promise<unknown>;

/** Times the lookup of this host's name; warns (never fails the doctor) when it is slow or fails. */
export async function checkHostnameLookup(name = osHostname(), lookup: HostnameLookup = (n) => dnsLookup(n)): Promise<CheckResult> {
  const check = 'host name lookup';
  const fix = `add \`127.0.1.1 ${name}\` (or this host's address) to /etc/hosts: libvirt looks the name up during every migration, while the guest is paused`;
  const started = performance.now();
  try {
    await lookup(name);
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    return { name: check, ok: false, required: false, detail: `'${name}' does not resolve (${err instanceof Error ? err.message : String(err)}, after ${ms} ms): ${fix}` };
  }
  const ms = Math.round(performance.now() - started);
  if (ms > SLOW_LOOKUP_MS) return { name: check, ok: false, required: false, detail: `'${name}' took ${ms} ms to resolve: ${fix}` };
  return { name: check, ok: true, required: false, detail: `'${name}' resolves in ${ms} ms` };
}
