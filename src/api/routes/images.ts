/** /images: streamed uploads (raw request body), downloads, listing, deletion. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { imageUploadQuerySchema } from '../../shared/schemas.js';
import { byName, mapPage, pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { presentImage } from '../presenters.js';
import { queryParams } from '../validate.js';
import { declaredLength, sendDownload } from './respond.js';

/** /images */
export function imageRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json(mapPage(pageInMemory(s.images.list(), byName, queryParams(c, pageQuerySchema)), presentImage)))
    .get('/:id', (c) => c.json(presentImage(s.images.get(c.req.param('id')))))
    .post('/', async (c) => {
      const meta = queryParams(c, imageUploadQuerySchema);
      return c.json(presentImage(await s.images.upload(c.req.raw.body, declaredLength(c), meta, c.var.actor)), 201);
    })
    .get('/:id/content', async (c) => sendDownload(await s.images.download(c.req.param('id'))))
    .delete('/:id', async (c) => {
      await s.images.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}
