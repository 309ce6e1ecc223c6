/** /images: streamed uploads (raw request body), imports from a URL (JSON body), downloads with Range, edits, listing, deletion. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { imageListQuerySchema, imageUploadQuerySchema, imageUrlImportSchema, updateImageSchema } from '../../shared/schemas.js';
import { byName, mapPage, pageInMemory } from '../../lib/paging.js';
import type { AppEnv } from '../env.js';
import { creating } from './instances.js';
import { presentImage } from '../presenters.js';
import { jsonBody, mimeEssence, queryParams } from '../validate.js';
import { accepted, declaredLength, downloadResponses, sendDownload, uploadBody } from './respond.js';
import { doc } from '../route-doc.js';
import { z } from 'zod';
import { acceptedSchema, imageSchema, pageSchema } from '../../shared/responses.js';

/** /images */
export function imageRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List disk images', description: '?tag= lists only the images with that tag.', query: imageListQuerySchema, responses: { 200: pageSchema(imageSchema) } }), (c) => {
      const { tag, ...page } = queryParams(c, imageListQuerySchema);
      return c.json(mapPage(pageInMemory(s.rbac.visible(c.var.actor, s.images.list({ tag }), 'images.read'), byName, page), presentImage));
    })
    .get('/:id', doc({ summary: 'Get an image', responses: { 200: imageSchema } }), (c) => c.json(presentImage(s.images.get(c.req.param('id')))))
    .post('/', doc({
      summary: 'Upload an image (raw body) or import one from a URL (JSON body)',
      description:
        'Upload: a qcow2, raw, vmdk, vhdx, vdi or ova image as the raw request body with its metadata in the query (name, description, os, defaultUser, tags=a,b); a qcow2 or raw answers 201; the others answer 202 + operation once stored and are converted to qcow2 in it, the image listed with state importing (not usable: image_not_ready) until it succeeds; a failed conversion leaves no image. Import: a JSON body {url, sha256?, name, description?, os?, tags?}; 202 + operation; resumed when the connection drops; checksum_mismatch when the SHA-256 differs; private and loopback addresses only with serve --image-import-allow-private. Both operations take a cancel (POST /operations/:id/actions/cancel): the download or qemu-img stops, the operation fails with image_import_cancelled and no image or partial file is left.',
      query: imageUploadQuerySchema, body: imageUrlImportSchema, upload: 'application/octet-stream',
      responses: { 201: imageSchema, 202: acceptedSchema({ imageId: z.string() }) },
    }), async (c) => {
      // A JSON body is an import from a URL; anything else is the image file itself.
      if (mimeEssence(c.req.header('content-type')) === 'application/json') {
        const { groupId, ...request } = await jsonBody(c, imageUrlImportSchema);
        const { operation, imageId } = s.images.importFromUrl(request, creating(s, c.var.actor, groupId, 'images.manage'));
        return accepted(c, operation, { imageId });
      }
      const { groupId, ...meta } = queryParams(c, imageUploadQuerySchema);
      const actor = creating(s, c.var.actor, groupId, 'images.manage');
      const uploaded = await s.images.upload(uploadBody(c), declaredLength(c), meta, actor);
      if ('image' in uploaded) return c.json(presentImage(uploaded.image), 201);
      return accepted(c, uploaded.operation, { imageId: uploaded.imageId });
    })
    .get('/:id/file', doc({ summary: 'Download an image', description: 'One HTTP Range: 206 with Content-Range, 416 when unsatisfiable.', responses: downloadResponses('image') }), async (c) => sendDownload(c, await s.images.download(c.req.param('id'))))
    .get('/:id/content', doc({ summary: 'Download an image (same as /file)', responses: downloadResponses('image') }), async (c) => sendDownload(c, await s.images.download(c.req.param('id'))))
    .patch('/:id', doc({ summary: 'Change the name, description, OS or tags of an image', description: 'Tags: at most 16, each 1-32 of a-z 0-9 - _ .; the list replaces the old one.', body: updateImageSchema, responses: { 200: imageSchema } }), async (c) => c.json(presentImage(s.images.update(c.req.param('id'), await jsonBody(c, updateImageSchema), c.var.actor))))
    .delete('/:id', doc({ summary: 'Delete an image', description: '409 image_in_use while linked clones use it, naming them; 409 image_not_ready while it is being converted.', responses: { 204: null } }), async (c) => {
      await s.images.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}
