/**
 * Picks an address for a NIC from an address pool's ranges. Pure: the caller reads the
 * addresses in use and records the choice in the same database transaction, so two creates
 * can never get the same address.
 */
import type { NumericRange } from '../shared/networks.js';

/** The outcome of an allocation. */
export type Allocation = { address: number } | { error: 'exhausted' | 'outside' | 'taken' };

/** The first free address of the ranges in order, or the requested one if it is inside a range and free. */
export function allocateAddress(ranges: readonly NumericRange[], used: ReadonlySet<number>, requested?: number): Allocation {
  if (requested !== undefined) {
    if (!ranges.some((r) => requested >= r.start && requested <= r.end)) return { error: 'outside' };
    return used.has(requested) ? { error: 'taken' } : { address: requested };
  }
  for (const r of ranges) for (let a = r.start; a <= r.end; a++) if (!used.has(a)) return { address: a };
  return { error: 'exhausted' };
}

/** How many addresses the ranges hold. */
export function rangeSize(ranges: readonly NumericRange[]): number {
  return ranges.reduce((n, r) => n + Math.max(0, r.end - r.start + 1), 0);
}
