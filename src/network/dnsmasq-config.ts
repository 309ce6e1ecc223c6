/**
 * What onebox tells dnsmasq for a bridged network with a DHCP address pool: serve only the
 * reserved MACs (a `static` range: unknown clients get nothing, so an existing LAN DHCP server
 * is not disturbed), no DNS, bound to the one bridge. Pure; the hosts file is rewritten and
 * dnsmasq re-reads it on SIGHUP, without a restart (no lease is lost).
 */

/** One reservation: this MAC always gets this address (and hostname). */
export interface DhcpReservation {
  mac: string;
  ip: string;
  name?: string;
}

/** One dnsmasq instance's configuration. */
export interface DnsmasqConfig {
  /** The bridge it serves (it must carry an address in the subnet). */
  interface: string;
  /** The subnet's network address and netmask. */
  network: string;
  netmask: string;
  gateway: string;
  dnsServers: string[];
  /** Lease time in seconds. */
  leaseSeconds?: number;
}

/** Where one instance keeps its files. */
export interface DnsmasqFiles {
  hostsFile: string;
  leaseFile: string;
  pidFile: string;
}

/** The command line (without the program name). */
export function dnsmasqArgs(cfg: DnsmasqConfig, files: DnsmasqFiles): string[] {
  return [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--port=0',
    `--interface=${cfg.interface}`,
    '--bind-interfaces',
    '--except-interface=lo',
    `--dhcp-range=${cfg.network},static,${cfg.netmask},${cfg.leaseSeconds ?? 3600}`,
    `--dhcp-hostsfile=${files.hostsFile}`,
    `--dhcp-leasefile=${files.leaseFile}`,
    `--pid-file=${files.pidFile}`,
    `--dhcp-option=option:router,${cfg.gateway}`,
    ...(cfg.dnsServers.length ? [`--dhcp-option=option:dns-server,${cfg.dnsServers.join(',')}`] : []),
    '--dhcp-no-override',
    '--log-dhcp',
  ];
}

/** The hosts file: one `mac,ip[,name]` per reservation. */
export function dnsmasqHostsFile(hosts: DhcpReservation[]): string {
  return hosts.map((h) => [h.mac, h.ip, ...(h.name ? [h.name] : [])].join(',') + '\n').join('');
}

/** Parses dnsmasq's lease file (`expiry mac ip hostname clientid` per line). */
export function parseLeaseFile(text: string): { mac: string; ip: string; hostname?: string; expiresAt: number }[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[0]))
    .map(([expiry, mac, ip, hostname]) => ({ mac: mac.toLowerCase(), ip, ...(hostname && hostname !== '*' ? { hostname } : {}), expiresAt: Number(expiry) }));
}
