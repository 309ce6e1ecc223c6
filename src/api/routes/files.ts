/** Disk images and ISO media: streamed uploads (raw request body), downloads, listing, deletion. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { AppError } from '../../lib/errors.js';
import type { Services } from '../../services/index.js';
import { imageUploadQuerySchema, mediaUploadQuerySchema } from '../../shared/schemas.js';
import type { AppEnv } from '../env.js';
import { queryParams } from '../validate.js';

async function download(path: string, fileName: string): Promise<Response> {
  const size = await stat(path).then(
    (st) => st.size,
    () => {
      throw new AppError(410, 'file_missing', `The file of '${fileName}' is missing from the data directory; delete the entry and upload it again.`);
    },
  );
  return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'content-disposition': `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    },
  });
}

/** /images */
export function imageRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.images.list() }))
    .get('/:id', (c) => c.json(s.images.get(c.req.param('id'))))
    .post('/', async (c) => {
      const meta = queryParams(c, imageUploadQuerySchema);
      return c.json(await s.images.upload(c.req.raw.body, meta, c.var.actor), 201);
    })
    .get('/:id/content', (c) => {
      const image = s.images.get(c.req.param('id'));
      return download(s.images.filePath(image), `${image.name}.${image.format}`);
    })
    .delete('/:id', async (c) => {
      await s.images.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}

/** /media */
export function mediaRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ items: s.media.list() }))
    .get('/:id', (c) => c.json(s.media.get(c.req.param('id'))))
    .post('/', async (c) => {
      const { name } = queryParams(c, mediaUploadQuerySchema);
      return c.json(await s.media.upload(c.req.raw.body, name, c.var.actor), 201);
    })
    .get('/:id/content', (c) => {
      const item = s.media.get(c.req.param('id'));
      return download(s.media.filePath(item), item.name.endsWith('.iso') ? item.name : `${item.name}.iso`);
    })
    .delete('/:id', async (c) => {
      await s.media.delete(c.req.param('id'), c.var.actor);
      return c.body(null, 204);
    });
}
