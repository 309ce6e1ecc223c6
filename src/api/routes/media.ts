/** /media: streamed ISO uploads (raw request body), downloads, listing, deletion. */
import { Hono } from 'hono';
import type { Services } from '../../services/index.js';
import { mediaUploadQuerySchema, updateMediaSchema } from '../../shared/schemas.js';
import { byName, mapPage, pageInMemory } from '../../lib/paging.js';
import { pageQuerySchema } from '../../shared/lists.js';
import type { AppEnv } from '../env.js';
import { creating } from './instances.js';
import { presentMedia } from '../presenters.js';
import { jsonBody, queryParams } from '../validate.js';
import { declaredLength, sendDownload, uploadBody } from './respond.js';

/** /media */
export function mediaRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json(mapPage(pageInMemory(s.rbac.visible(c.var.actor, s.media.list()), byName, queryParams(c, pageQuerySchema)), presentMedia)))
    .get('/:id', (c) => c.json(presentMedia(s.media.get(c.req.param('id')))))
    .post('/', async (c) => {
      const { name, groupId } = queryParams(c, mediaUploadQuerySchema);
      const actor = creating(s, c.var.actor, groupId, 'media.manage');
      return c.json(presentMedia(await s.media.upload(uploadBody(c), declaredLength(c), name, actor)), 201);
    })
    .get('/:id/file', async (c) => sendDownload(c, await s.media.download(c.req.param('id'))))
    .get('/:id/content', async (c) => sendDownload(c, await s.media.download(c.req.param('id'))))
    .patch('/:id', async (c) => c.json(presentMedia(s.media.update(c.req.param('id'), await jsonBody(c, updateMediaSchema), c.var.actor))))
    .delete('/:id', async (c) => {
      await s.media.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}
