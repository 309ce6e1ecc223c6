/**
 * The host's own NIC counters, from /proc/net/dev of the host's network namespace (the agent runs
 * on the host, so reading /proc here is its job). The loopback and the guests' tap devices
 * (libvirt's vnetN, macvtapN, tapN) are left out: guests are counted per instance.
 */
import { readFile } from 'node:fs/promises';
import { run } from '../lib/exec.js';
import type { NicCounters } from './agent-types.js';

const GUEST_DEVICE = /^(lo|vnet\d+|macvtap\d+|tap\d+|tap[-_].*)$/;

/** The devices of a /proc/net/dev text, without loopback and guest taps. Pure. */
export function parseNetDev(text: string): NicCounters[] {
  const out: NicCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes …
    if (!device || GUEST_DEVICE.test(device) || fields.length < 16) continue;
    out.push({ device, rxBytes: fields[0] ?? 0, txBytes: fields[8] ?? 0 });
  }
  return out;
}

/** Reads the NIC counters of the current namespace, or of `netns` (through `ip netns exec`). */
export async function readNicCounters(netnsPrefix: string[]): Promise<NicCounters[]> {
  const text = netnsPrefix.length ? (await run([...netnsPrefix, 'cat', '/proc/net/dev'], { timeoutMs: 5_000 })).stdout : await readFile('/proc/net/dev', 'utf8');
  return parseNetDev(text);
}
