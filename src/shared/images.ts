/** Disk images and ISO media: upload metadata (query parameters) and response shapes. */
import * as z from 'zod';
import { guestUserSchema } from './guest.js';

/** Names of images and media: anything printable that does not look like a resource id. */
export const catalogueName = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `The ${what} needs a name.`)
    .max(128)
    .refine((n) => !/^[a-z]+_[0-9a-z]{12}$/.test(n), 'The name must not look like a resource id (prefix_ and 12 characters).');

/** Image metadata sent as query parameters with an upload. */
export const imageUploadQuerySchema = z
  .object({
    name: catalogueName('image'),
    description: z.string().max(1000).default(''),
    os: z.string().max(64).default(''),
    defaultUser: guestUserSchema.optional(),
  })
  .strict();

/** An import from a URL: POST /images with a JSON body (202 + operation). */
export const imageUrlImportSchema = imageUploadQuerySchema.extend({
  url: z.string().trim().min(1, 'Give the URL of the image.').max(2048),
  sha256: z.string().trim().regex(/^[0-9a-fA-F]{64}$/, 'The SHA-256 must be 64 hexadecimal characters.').optional(),
});

/** Changes to an image. */
export const updateImageSchema = z
  .object({
    name: catalogueName('image').optional(),
    description: z.string().max(1000).optional(),
    os: z.string().max(64).optional(),
  })
  .strict();

/** Changes to an ISO. */
export const updateMediaSchema = z.object({ name: catalogueName('ISO') }).strict();

/** Media metadata sent as query parameters with an upload. */
export const mediaUploadQuerySchema = z.object({ name: catalogueName('ISO') }).strict();

/** A disk image (template). */
export interface Image {
  id: string;
  name: string;
  description: string;
  os: string;
  format: 'qcow2' | 'raw';
  sizeBytes: number;
  virtualSizeBytes: number;
  sha256: string;
  /** The guest user set-guest-password changes by default; null: root. */
  defaultUser: string | null;
  createdAt: string;
}

/** An ISO medium. */
export interface Media {
  id: string;
  name: string;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
}
