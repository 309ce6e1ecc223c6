/** Formatting of sizes, rates, dates and percentages for display (dates in the UI's language). */
import { t } from './i18n/index.js';

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** Memory given in MiB → "512 MiB" / "2 GiB". */
export const mib = (n: number): string => bytes(n * 1024 * 1024);

/** Bytes per second → "12.3 MiB/s". */
export const rate = (n: number): string => `${bytes(n)}/s`;

/** A share 0..1 → "42%". */
export const percent = (share: number): string => `${Math.round(Math.max(0, share) * 100)}%`;

/** ISO timestamp → local date and time. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(t.locale);
}

