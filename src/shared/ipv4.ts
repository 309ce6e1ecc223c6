/** IPv4 arithmetic on numbers (0 … 2^32-1): parsing, formatting, subnets. Pure; shared by the server's checks and the UI's forms. */

/**
 * Parses dotted quad; undefined when it is not one (no leading zeros, no spaces). A scan
 * without regular expressions: allocation parses every address of a pool on each create.
 */
export function parseIpv4(text: string): number | undefined {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let octets = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // the end closes the last octet like a '.'
    if (c === 46) {
      if (digits === 0 || octet > 255) return undefined;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      octets++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined; // a leading zero
      if (++digits > 3) return undefined;
      octet = octet * 10 + (c - 48);
    } else return undefined;
  }
  return octets === 4 ? n : undefined;
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
