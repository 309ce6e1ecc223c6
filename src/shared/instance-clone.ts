/** Cloning an instance: the request body. */
import * as z from 'zod';
import { instanceNameSchema } from './instances.js';

/** How a clone's disks are made: `linked` keeps the image as the system disk's backing file; `full` makes every disk independent of the image. */
export const CLONE_MODES = ['linked', 'full'] as const;

/** POST /instances/:id/actions/clone: the new instance's name (in the same compute pool) and how its disks are made (default linked). */
export const cloneInstanceSchema = z.object({ name: instanceNameSchema, mode: z.enum(CLONE_MODES).optional() }).strict();
export type CloneInstanceInput = z.infer<typeof cloneInstanceSchema>;
