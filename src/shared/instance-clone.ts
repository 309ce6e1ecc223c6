/** Cloning a stopped instance: the request body. */
import * as z from 'zod';
import { instanceNameSchema } from './instances.js';

/** POST /instances/:id/actions/clone: the new instance's name (in the same compute pool). */
export const cloneInstanceSchema = z.object({ name: instanceNameSchema }).strict();
export type CloneInstanceInput = z.infer<typeof cloneInstanceSchema>;
