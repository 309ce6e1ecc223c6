/** Reading typed values out of a command's parsed flags. */
import { UsageError } from './errors.js';
import type { CommandContext } from './spec.js';

/** A whole number flag, or a usage error naming it. */
export function intFlag(ctx: CommandContext, name: string, fallback?: number): number | undefined {
  const v = ctx.flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, not '${String(v)}'`);
  return n;
}

/** The values of a repeatable flag (none when it was not given). */
export function listFlag(ctx: CommandContext, name: string): string[] {
  const v = ctx.flags[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}
