/** IPv4 arithmetic on numbers (0 … 2^32-1): parsing, formatting, subnets. Pure; shared by the server's checks and the UI's forms. */

/** Parses dotted quad; undefined when it is not one (no leading zeros, no spaces). */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Formats a number as dotted quad. */
export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The netmask of a prefix length as a number. */
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The network address of `ip` in a /prefix. */
export function networkOf(ip: number, prefix: number): number {
  return (ip & maskOf(prefix)) >>> 0;
}

/** The broadcast address of `ip`'s /prefix. */
export function broadcastOf(ip: number, prefix: number): number {
  return (networkOf(ip, prefix) | (~maskOf(prefix) >>> 0)) >>> 0;
}

/** A parsed CIDR (`10.0.0.0/24`): network address and prefix; undefined when invalid or not a network address. */
export function parseCidr(text: string): { network: number; prefix: number } | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const ip = parseIpv4(m[1]);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32 || networkOf(ip, prefix) !== ip) return undefined;
  return { network: ip, prefix };
}

/** `10.0.0.0/24` */
export function formatCidr(network: number, prefix: number): string {
  return `${formatIpv4(network)}/${prefix}`;
}

/** True when the two subnets share any address. */
export function subnetsOverlap(a: { network: number; prefix: number }, b: { network: number; prefix: number }): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return networkOf(a.network, prefix) === networkOf(b.network, prefix);
}

/** True when `ip` lies in the subnet. */
export function inSubnet(ip: number, subnet: { network: number; prefix: number }): boolean {
  return networkOf(ip, subnet.prefix) === subnet.network;
}
