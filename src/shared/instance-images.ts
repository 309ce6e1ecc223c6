/** Making an image from an instance, resetting its system disk from its image, compacting a disk: request and answer shapes. */
import * as z from 'zod';
import { catalogueName, imageTagsSchema } from './images.js';

/** POST /instances/:id/actions/create-image: the new image's metadata. */
export const createImageFromInstanceSchema = z
  .object({
    name: catalogueName('image'),
    description: z.string().max(1000).default(''),
    /** The guest's operating system, shown with the image (stored as the image's `os`). */
    osType: z.string().max(64).default(''),
    tags: imageTagsSchema.default([]),
  })
  .strict();
export type CreateImageFromInstanceInput = z.infer<typeof createImageFromInstanceSchema>;
/** What a client sends (description, osType and tags may be left out). */
export type CreateImageFromInstanceRequest = z.input<typeof createImageFromInstanceSchema>;
