/**
 * How long onebox waits for libvirtd to answer each call. Most calls answer in milliseconds;
 * a few wait for QEMU (start), for a process to die (destroy), or write guest memory to disk
 * (save, snapshot), and get a longer deadline. Migrations must pass their own per call.
 */
import type { RemoteProcedures } from './protocol.generated.js';

/** Deadline tuning of one connection. */
export interface CallDeadlines {
  /** Deadline of an ordinary call, in milliseconds (30 s by default). */
  defaultMs: number;
  /** Deadline of a call in SLOW_PROCEDURES (120 s by default). */
  slowMs: number;
  /** Deadline of CONNECT_CLOSE and of event deregistration when closing (5 s by default). */
  closeMs: number;
}

/** onebox's deadlines. */
export const DEFAULT_DEADLINES: CallDeadlines = { defaultMs: 30_000, slowMs: 120_000, closeMs: 5_000 };

/** Procedures that may legitimately take longer than an ordinary call. */
export const SLOW_PROCEDURES: ReadonlySet<keyof RemoteProcedures> = new Set<keyof RemoteProcedures>([
  'DOMAIN_CREATE',
  'DOMAIN_CREATE_WITH_FLAGS',
  'DOMAIN_CREATE_XML',
  'DOMAIN_DESTROY',
  'DOMAIN_DESTROY_FLAGS',
  'DOMAIN_SHUTDOWN',
  'DOMAIN_SHUTDOWN_FLAGS',
  'DOMAIN_REBOOT',
  'DOMAIN_UNDEFINE_FLAGS',
  'DOMAIN_SAVE',
  'DOMAIN_SAVE_FLAGS',
  'DOMAIN_RESTORE',
  'DOMAIN_RESTORE_FLAGS',
  'DOMAIN_MANAGED_SAVE',
  'DOMAIN_SNAPSHOT_CREATE_XML',
  'DOMAIN_SNAPSHOT_DELETE',
  'DOMAIN_REVERT_TO_SNAPSHOT',
  'DOMAIN_BLOCK_RESIZE',
]);

/** The deadline of `proc` under `d`, unless the caller gave one. */
export function deadlineOf(proc: string, d: CallDeadlines, explicitMs?: number): number {
  if (explicitMs !== undefined) return explicitMs;
  return SLOW_PROCEDURES.has(proc as keyof RemoteProcedures) ? d.slowMs : d.defaultMs;
}
