/**
 * Query strings of the list endpoints: paging on every list (`limit`, `cursor`) and the filters
 * of the instance, operation and audit lists. Unknown parameters are refused (400).
 */
import { z } from 'zod';
import { INSTANCE_STATES } from './instance-states.js';

/** Rows per page unless `limit` says otherwise. */
export const DEFAULT_PAGE_LIMIT = 100;
/** The largest `limit` a list accepts. */
export const MAX_PAGE_LIMIT = 1000;

/** `?limit=&cursor=`: at most `limit` rows (1–1000, default 100) after the cursor of the previous page. */
export const pageQuerySchema = z
  .object({
    limit: z.coerce.number({ message: 'limit must be a whole number from 1 to 1000.' }).int('limit must be a whole number from 1 to 1000.')
      .min(1, 'limit must be a whole number from 1 to 1000.').max(MAX_PAGE_LIMIT, 'limit must be a whole number from 1 to 1000.').default(DEFAULT_PAGE_LIMIT),
    cursor: z.string().min(1).max(512, 'cursor is too long; pass nextCursor from the previous page.').optional(),
  })
  .strict();

const instant = z.iso.datetime({ offset: true, message: 'Give a time as ISO 8601, e.g. 2026-01-31T12:00:00Z.' });
const key = z.string().min(1).max(128);

/** GET /instances: paging, and filters on state, host (id or name), pool (id or name) and a name prefix. */
export const instanceListQuerySchema = pageQuerySchema.extend({
  state: z.enum(INSTANCE_STATES, { message: `state must be one of ${INSTANCE_STATES.join(', ')}.` }).optional(),
  host: key.optional(),
  pool: key.optional(),
  name: z.string().min(1).max(64).optional(),
});

/** The time range and actor filters the operation and audit lists share. */
const historyFilters = {
  since: instant.optional(),
  until: instant.optional(),
  /** A user id or username. */
  user: key.optional(),
  /** The id of what the entry is about. */
  target: z.string().min(1).max(64).optional(),
};

/** GET /operations: newest first. */
export const operationListQuerySchema = pageQuerySchema.extend(historyFilters);

/** GET /audit: newest first. */
export const auditListQuerySchema = pageQuerySchema.extend({ ...historyFilters, action: z.string().min(1).max(64).optional() });
/** GET /audit/export: the list's filters, no paging. */
export const auditExportQuerySchema = auditListQuerySchema.omit({ limit: true, cursor: true });

/** The filters of the instance list, without paging. */
export type InstanceListFilter = Omit<z.infer<typeof instanceListQuerySchema>, 'limit' | 'cursor'>;
/** The filters of the operation and audit lists, without paging. */
export type HistoryFilter = Omit<z.infer<typeof auditListQuerySchema>, 'limit' | 'cursor'>;
/** Paging of one request. */
export type PageQuery = z.infer<typeof pageQuerySchema>;
