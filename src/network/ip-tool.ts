/**
 * What the host's network looks like, read with iproute2's JSON output (never changed here):
 * whether a bridge exists and its IPv4 addresses, and the routes (so a new NAT subnet collides
 * with none of them). `prefix` runs `ip` elsewhere (a lab's network namespace).
 */
import { ExecError, run } from '../lib/exec.js';

/** An IPv4 address of an interface. */
export interface InterfaceAddress {
  address: string;
  prefix: number;
}

interface IpAddrJson {
  ifname: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** Reads interfaces and routes of one network namespace. */
export class IpTool {
  constructor(private readonly prefix: string[] = []) {}

  /** The bridge's IPv4 addresses; undefined when there is no such interface or it is not a bridge. */
  async bridgeAddresses(name: string): Promise<InterfaceAddress[] | undefined> {
    let out: string;
    try {
      out = (await run([...this.prefix, 'ip', '-j', '-d', 'addr', 'show', 'dev', name])).stdout;
    } catch (err) {
      if (err instanceof ExecError && err.exitCode !== null) return undefined; // "Device does not exist"
      throw err;
    }
    const link = (JSON.parse(out) as IpAddrJson[])[0];
    if (!link || link.linkinfo?.info_kind !== 'bridge') return undefined;
    return (link.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => ({ address: a.local, prefix: a.prefixlen }));
  }

  /** The destinations of every IPv4 route (CIDRs; `default` left out). */
  async routes(): Promise<string[]> {
    const { stdout } = await run([...this.prefix, 'ip', '-j', '-4', 'route', 'show', 'table', 'all']);
    return (JSON.parse(stdout) as { dst: string }[])
      .map((r) => r.dst)
      .filter((d) => d !== 'default' && d !== undefined)
      .map((d) => (d.includes('/') ? d : `${d}/32`));
  }
}
