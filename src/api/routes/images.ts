/** /images: streamed uploads (raw request body), imports from a URL (JSON body), downloads with Range, edits, listing, deletion. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { imageListQuerySchema, imageUploadQuerySchema, imageUrlImportSchema, updateImageSchema } from '../../shared/schemas.js';
import { byName, mapPage, pageInMemory } from '../../lib/paging.js';
import type { AppEnv } from '../env.js';
import { creating } from './instances.js';
import { presentImage } from '../presenters.js';
import { jsonBody, mimeEssence, queryParams } from '../validate.js';
import { accepted, declaredLength, sendDownload, uploadBody } from './respond.js';

/** /images */
export function imageRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => {
      const { tag, ...page } = queryParams(c, imageListQuerySchema);
      return c.json(mapPage(pageInMemory(s.rbac.visible(c.var.actor, s.images.list({ tag })), byName, page), presentImage));
    })
    .get('/:id', (c) => c.json(presentImage(s.images.get(c.req.param('id')))))
    .post('/', async (c) => {
      // A JSON body is an import from a URL; anything else is the image file itself.
      if (mimeEssence(c.req.header('content-type')) === 'application/json') {
        const { groupId, ...request } = await jsonBody(c, imageUrlImportSchema);
        const { operation, imageId } = s.images.importFromUrl(request, creating(s, c.var.actor, groupId, 'images.manage'));
        return accepted(c, operation, { imageId });
      }
      const { groupId, ...meta } = queryParams(c, imageUploadQuerySchema);
      const actor = creating(s, c.var.actor, groupId, 'images.manage');
      return c.json(presentImage(await s.images.upload(uploadBody(c), declaredLength(c), meta, actor)), 201);
    })
    .get('/:id/file', async (c) => sendDownload(c, await s.images.download(c.req.param('id'))))
    .get('/:id/content', async (c) => sendDownload(c, await s.images.download(c.req.param('id'))))
    .patch('/:id', async (c) => c.json(presentImage(s.images.update(c.req.param('id'), await jsonBody(c, updateImageSchema), c.var.actor))))
    .delete('/:id', async (c) => {
      await s.images.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}
