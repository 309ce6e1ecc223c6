/** Disk images and ISO media: upload metadata (query parameters) and response shapes. */
import * as z from 'zod';
import { guestUserSchema } from './guest.js';
import { descriptionSchema } from './instances.js';
import { pageQuerySchema } from './lists.js';
import type { Accepted } from './operations.js';

/** Names of images and media: anything printable that does not look like a resource id. */
export const catalogueName = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `The ${what} needs a name.`)
    .max(128)
    .refine((n) => !/^[a-z]+_[0-9a-z]{12}$/.test(n), 'The name must not look like a resource id (prefix_ and 12 characters).');

/** Most tags on one image. */
export const MAX_IMAGE_TAGS = 16;

/** One image tag: 1–32 characters of a-z, 0-9, '-', '_' and '.'. */
export const imageTagSchema = z
  .string()
  .min(1, { message: 'A tag needs at least one character.', abort: true })
  .max(32, { message: 'A tag has at most 32 characters.', abort: true })
  .regex(/^[a-z0-9._-]+$/, 'A tag uses only a-z, 0-9 and the characters - _ .');

/** An image's tags: at most 16, duplicates dropped (the first keeps its place). */
export const imageTagsSchema = z
  .array(imageTagSchema)
  .max(MAX_IMAGE_TAGS, 'An image has at most 16 tags.')
  .transform((tags) => [...new Set(tags)]);

/** Tags written as one comma-separated string (`?tags=a,b`, the edit form's field); blanks around commas ignored, '' is none. */
export const imageTagListSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((t) => t.trim()).filter((t) => t !== '') : v),
  imageTagsSchema,
);

/** Image metadata sent as query parameters with an upload. */
export const imageUploadQuerySchema = z
  .object({
    name: catalogueName('image'),
    description: z.string().max(1000).default(''),
    os: z.string().max(64).default(''),
    defaultUser: guestUserSchema.optional(),
    tags: imageTagListSchema.default([]),
    /** The group that will own it (id or name); default: the caller's only group, else the default group. */
    groupId: z.string().min(1).max(64).optional(),
  })
  .strict();

/** An import from a URL: POST /images with a JSON body (202 + operation). */
export const imageUrlImportSchema = imageUploadQuerySchema.extend({
  tags: imageTagsSchema.default([]),
  url: z.string().trim().min(1, 'Give the URL of the image.').max(2048),
  sha256: z.string().trim().regex(/^[0-9a-fA-F]{64}$/, 'The SHA-256 must be 64 hexadecimal characters.').optional(),
});

/** Changes to an image. */
export const updateImageSchema = z
  .object({
    name: catalogueName('image').optional(),
    description: z.string().max(1000).optional(),
    os: z.string().max(64).optional(),
    /** The whole new list (replaces the old one). */
    tags: imageTagsSchema.optional(),
  })
  .strict();

/** GET /images: paging and a tag filter (images carrying that tag). */
export const imageListQuerySchema = pageQuerySchema.extend({ tag: imageTagSchema.optional() });

/** Changes to an ISO. */
export const updateMediaSchema = z
  .object({ name: catalogueName('ISO').optional(), description: descriptionSchema.optional() })
  .strict();

/** Media metadata sent as query parameters with an upload. */
export const mediaUploadQuerySchema = z.object({ name: catalogueName('ISO'), groupId: z.string().min(1).max(64).optional() }).strict();

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
  /** Short labels; `GET /images?tag=` filters on them. */
  tags: string[];
  /** 'importing' while an uploaded vmdk/vhdx/vdi/ova is converted (not usable yet), then 'ready'. */
  state: 'importing' | 'ready';
  createdAt: string;
}

/** What an image upload answers: the image (qcow2, raw) or the conversion's operation (vmdk, vhdx, vdi, ova). */
export type ImageUploadResult = Image | (Accepted & { imageId: string });

/** An ISO medium. */
export interface Media {
  id: string;
  name: string;
  description: string;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
}
