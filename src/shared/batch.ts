/** Batch actions on instances: create N from one form, or act on a selection (request schemas and results). */
import * as z from 'zod';
import { createInstanceSchema, instanceNameSchema } from './instances.js';

/** At most this many items in one batch. */
export const MAX_BATCH_ITEMS = 100;

/** Actions a batch can run on existing instances. */
export const BATCH_ACTIONS = ['start', 'stop', 'force-stop', 'reboot', 'delete'] as const;

/** A batch action on existing instances. */
export type BatchAction = (typeof BATCH_ACTIONS)[number];

/** Create many: `count` with `namePrefix` (names prefix-1 … prefix-N) or an explicit `names` list, plus the create body. */
export const batchCreateSchema = createInstanceSchema
  .omit({ name: true })
  .extend({
    action: z.literal('create'),
    count: z.number().int().min(1, 'Create at least 1 instance.').optional(),
    /** Names become `<prefix>-1`, `<prefix>-2`, …: the prefix leaves room for the number. */
    namePrefix: instanceNameSchema.refine((s) => s.length <= 56, 'A name prefix must have at most 56 characters (room for "-" and a number).').optional(),
    names: z.array(instanceNameSchema).min(1, 'Give at least one name.').optional(),
  })
  .strict()
  .refine((o) => (o.names === undefined) !== (o.namePrefix === undefined), { message: 'Give either names or namePrefix with count.', path: ['namePrefix'] })
  .refine((o) => o.namePrefix === undefined || o.count !== undefined, { message: 'Give count with namePrefix.', path: ['count'] })
  .refine((o) => o.names === undefined || o.count === undefined || o.count === o.names.length, { message: 'count must match the number of names (or leave it out).', path: ['count'] });

/** Act on a selection of instances (ids or names). */
export const batchActionSchema = z
  .object({
    action: z.enum(BATCH_ACTIONS),
    ids: z.array(z.string().min(1).max(128)).min(1, 'Select at least one instance.'),
  })
  .strict();

/** Either kind of batch request. */
export const batchSchema = z.discriminatedUnion('action', [batchCreateSchema, batchActionSchema]);

export type BatchCreateInput = z.infer<typeof batchCreateSchema>;
export type BatchActionInput = z.infer<typeof batchActionSchema>;
export type BatchInput = z.infer<typeof batchSchema>;

/** One item of a batch as its parent operation reports it. */
export interface BatchItem {
  /** The instance's name (or, for an unknown instance, the id or name given). */
  name: string;
  /** The instance's id when it exists (or was to be created). */
  instanceId: string | null;
  /** The item's own child operation. */
  operationId: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  errorCode: string | null;
  errorDetail: string | null;
}

/** The result of a batch's parent operation. */
export interface BatchResult {
  action: 'create' | BatchAction;
  items: BatchItem[];
}
