/**
 * The address pool form's checks as the user types: the rows of the form as the API's body, and
 * the problems of the shared pure check (src/shared/networks.ts checkAddressPool) by field, in
 * the current language, once the gateway and every range read as addresses.
 */
import type { AddressPool, Network } from '../shared/api-types.js';
import { parseCidr, parseIpv4 } from '../shared/ipv4.js';
import { checkAddressPool, numericRanges } from '../shared/networks.js';
import { t } from './i18n/index.js';

/** One range as the form holds it. */
export interface RangeRow {
  start: string;
  end: string;
  prefix: string;
}

/** A new empty row (prefix 24, or the given one). */
export const emptyRange = (prefix = '24'): RangeRow => ({ start: '', end: '', prefix });

/** The rows as the API's `ranges`. */
export const rangesBody = (rows: RangeRow[]) => rows.map((r) => ({ start: r.start.trim(), end: r.end.trim(), prefix: Number(r.prefix) }));

/** "10.0.0.10, 10.0.0.11" → ['10.0.0.10', '10.0.0.11']. */
export const addressList = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

/** Field paths of zod and the API folded onto the form's fields: "ranges.1.start" → "ranges.1", "dnsServers.0" → "dnsServers". */
export const poolField = (path: string) => (/^ranges\.\d+/.test(path) ? (/^ranges\.\d+/.exec(path)?.[0] ?? path) : path.startsWith('dnsServers') ? 'dnsServers' : path);

/**
 * The problems of the pool's gateway and ranges on `network` next to the `others` pools (the
 * other pools of that network), by field; none while a value is not an address yet.
 */
export function rangeProblems(gateway: string, rows: RangeRow[], network: Network | undefined, others: AddressPool[]): Record<string, string> {
  const ranges = rangesBody(rows);
  const readable = parseIpv4(gateway.trim()) !== undefined && ranges.every((r) => parseIpv4(r.start) !== undefined && parseIpv4(r.end) !== undefined && Number.isInteger(r.prefix) && r.prefix >= 8 && r.prefix <= 30);
  if (!readable || ranges.length === 0) return {};
  const otherRanges = others.filter((p) => p.networkId === network?.id).flatMap((p) => numericRanges(p.ranges).map((range) => ({ pool: p.name, range })));
  const subnet = network?.subnet ? parseCidr(network.subnet) : undefined;
  const out: Record<string, string> = {};
  for (const p of checkAddressPool({ gateway: gateway.trim(), ranges }, { otherRanges, networkSubnet: subnet })) out[p.field] ??= t.addressPools.problem(p.message);
  return out;
}
