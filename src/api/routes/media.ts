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
import { declaredLength, downloadResponses, sendDownload, uploadBody } from './respond.js';
import { doc } from '../route-doc.js';
import { mediaSchema, pageSchema } from '../../shared/responses.js';

/** /media */
export function mediaRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', doc({ summary: 'List ISO media', query: pageQuerySchema, responses: { 200: pageSchema(mediaSchema) } }), (c) => c.json(mapPage(pageInMemory(s.rbac.visible(c.var.actor, s.media.list(), 'media.read'), byName, queryParams(c, pageQuerySchema)), presentMedia)))
    .get('/:id', doc({ summary: 'Get an ISO', responses: { 200: mediaSchema } }), (c) => c.json(presentMedia(s.media.get(c.req.param('id')))))
    .post('/', doc({ summary: 'Upload an ISO as the raw request body (?name=&groupId=)', query: mediaUploadQuerySchema, upload: 'application/octet-stream', responses: { 201: mediaSchema } }), async (c) => {
      const { name, groupId } = queryParams(c, mediaUploadQuerySchema);
      const actor = creating(s, c.var.actor, groupId, 'media.manage');
      return c.json(presentMedia(await s.media.upload(uploadBody(c), declaredLength(c), name, actor)), 201);
    })
    .get('/:id/file', doc({ summary: 'Download an ISO', description: 'One HTTP Range: 206 with Content-Range, 416 when unsatisfiable.', responses: downloadResponses('ISO') }), async (c) => sendDownload(c, await s.media.download(c.req.param('id'))))
    .get('/:id/content', doc({ summary: 'Download an ISO (same as /file)', responses: downloadResponses('ISO') }), async (c) => sendDownload(c, await s.media.download(c.req.param('id'))))
    .patch('/:id', doc({ summary: 'Rename an ISO or change its description', body: updateMediaSchema, responses: { 200: mediaSchema } }), async (c) => c.json(presentMedia(s.media.update(c.req.param('id'), await jsonBody(c, updateMediaSchema), c.var.actor))))
    .delete('/:id', doc({ summary: 'Delete an ISO (refused while inserted)', responses: { 204: null } }), async (c) => {
      await s.media.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}
