/**
 * Capacity under overcommit, explained the same way everywhere: the scheduler's refusals and
 * the dashboard both say "8 of 8 vCPUs claimed — 2 cores × 4 overcommit". The numbers are
 * computed here once; the English sentences are the server's and the UI's English catalogue's.
 */

/** How many vCPUs (or MiB) a host may hand out: its own times the pool's overcommit. */
export const overcommitted = (own: number, overcommit: number): number => own * overcommit;

const units = ['MiB', 'GiB', 'TiB', 'PiB'];

/** Memory in MiB for people: 512 → "512 MiB", 5977 → "5.8 GiB". */
export function formatMiB(n: number): string {
  if (!Number.isFinite(n)) return '—';
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 || Math.abs(v) >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** "8 of 8 vCPUs claimed — 2 cores × 4 overcommit". */
export function vcpuClaimSentence(claimed: number, cpus: number, overcommit: number): string {
  return `${claimed} of ${overcommitted(cpus, overcommit)} vCPUs claimed — ${cpus} ${cpus === 1 ? 'core' : 'cores'} × ${overcommit} overcommit`;
}

/** "512 MiB of 5.8 GiB claimed — 5.8 GiB × 1 overcommit". */
export function memoryClaimSentence(claimedMiB: number, memoryMiB: number, overcommit: number): string {
  return `${formatMiB(claimedMiB)} of ${formatMiB(overcommitted(memoryMiB, overcommit))} claimed — ${formatMiB(memoryMiB)} × ${overcommit} overcommit`;
}
