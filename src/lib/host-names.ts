/**
 * The names and addresses this host answers to: its hostname, every non-internal interface
 * address, the loopback names and whatever the operator configured (`--public-url`). The
 * server certificate carries them as subjectAltNames and the Host-header check accepts them.
 */
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/** Loopback names every onebox answers to. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * The canonical form of a host name or address, for comparisons: lower case, no trailing dot,
 * no brackets, IPv6 in its shortest form (`0:0::1` → `::1`), no zone id.
 */
export function canonicalHost(name: string): string {
  let host = name.trim().toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  host = host.replace(/%.*$/, '');
  if (isIP(host) === 6) {
    try {
      return new URL(`http://[${host}]/`).hostname.slice(1, -1);
    } catch {
      return host;
    }
  }
  return host;
}

/**
 * The host part of a Host header (`name:port`, `[v6]:port`, `name`) in canonical form, or
 * undefined when the header is not of that shape.
 */
export function hostOfHeader(header: string): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::\d{1,5})?$/.exec(header.trim());
  return m ? canonicalHost(m[1]) : undefined;
}

/** Addresses of this host's non-internal interfaces, canonical. */
export function interfaceAddresses(): string[] {
  const out = new Set<string>();
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) if (!a.internal) out.add(canonicalHost(a.address));
  return [...out];
}

/**
 * Every name and address of this host, canonical and sorted (so two lists compare equal when
 * nothing changed): hostname, interface addresses, loopback names and `extra` (configured names).
 */
export function localHostNames(extra: string[] = []): string[] {
  const names = new Set<string>([canonicalHost(hostname()), ...interfaceAddresses(), ...LOOPBACK_NAMES, ...extra.map(canonicalHost)]);
  names.delete('');
  return [...names].sort();
}

/**
 * Decides whether a Host header names this server (a DNS-rebinding defence). Interface
 * addresses are re-read at most every `refreshMs`, so an address gained by DHCP is accepted
 * without a restart.
 */
export class HostAllowList {
  private names = new Set<string>();
  private readAt = -Infinity;

  constructor(
    private readonly extra: string[] = [],
    private readonly refreshMs = 10_000,
    private readonly read: (extra: string[]) => string[] = localHostNames,
  ) {}

  /** True when the Host header's host (port ignored) is one of this server's names. */
  allows(hostHeader: string | undefined): boolean {
    const host = hostHeader === undefined ? undefined : hostOfHeader(hostHeader);
    if (!host) return false;
    if (performance.now() - this.readAt > this.refreshMs || !this.names.has(host)) this.refresh();
    return this.names.has(host);
  }

  private refresh(): void {
    // An unknown name re-reads at most once a second, so a flood of bad Host headers costs little.
    if (performance.now() - this.readAt < 1000) return;
    this.names = new Set(this.read(this.extra));
    this.readAt = performance.now();
  }
}
