/** ISO media: upload (streamed, checksummed, checked for an ISO 9660 signature), list, get, delete. */
import { open, rm } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { byIdOrName } from '../db/lookup.js';
import { instances, media } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { quotedNames } from '../lib/plural.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import type { DataPaths } from './paths.js';
import { storeUpload } from './uploads.js';

/** A media row. */
export type Media = typeof media.$inferSelect;

/** True when the file carries the ISO 9660 volume descriptor signature "CD001" at byte 32769. */
export async function isIso9660(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(5);
    const { bytesRead } = await handle.read(buf, 0, 5, 32769);
    return bytesRead === 5 && buf.toString('latin1') === 'CD001';
  } finally {
    await handle.close();
  }
}

/** The ISO library. */
export class MediaService {
  constructor(
    private readonly db: Db,
    private readonly paths: DataPaths,
    private readonly audit: AuditService,
  ) {}

  list(): Media[] {
    return this.db.select().from(media).orderBy(media.name).all();
  }

  /** By id or name; throws media_not_found. */
  get(idOrName: string): Media {
    const match = byIdOrName(media, idOrName);
    const row = this.db.select().from(media).where(match.where).orderBy(...match.order).get();
    if (!row) throw new NotFoundError('media', idOrName);
    return row;
  }

  filePath(item: Media): string {
    return this.paths.mediaFile(item.fileName);
  }

  /** Receives an uploaded ISO. Nothing is visible until it is complete and valid. */
  async upload(body: ReadableStream<Uint8Array> | null, name: string, actor: Actor): Promise<Media> {
    const nameTaken = () => new ConflictError('media_name_taken', `An ISO named '${name}' already exists.`);
    if (this.db.select({ id: media.id }).from(media).where(eq(media.name, name)).get()) throw nameTaken();
    const row = await storeUpload({
      body,
      uploadsDir: this.paths.uploadsDir,
      nameTaken,
      accept: async (received) => {
        if (!(await isIso9660(received.path)))
          throw new ValidationError('The file is not an ISO 9660 image (no CD001 signature).', undefined, 'not_an_iso');
        const id = newId('iso');
        return { target: this.paths.mediaFile(`${id}.iso`), id, fileName: `${id}.iso` };
      },
      insert: (received, { id, fileName }) =>
        this.db.insert(media).values({ id, name, fileName, sizeBytes: received.sizeBytes, sha256: received.sha256 }).returning().get(),
    });
    this.audit.record(actor, 'upload', 'media', row.id, name);
    return row;
  }

  /** Deletes an ISO unless it is inserted in an instance. */
  async delete(idOrName: string, actor: Actor): Promise<void> {
    const item = this.get(idOrName);
    const users = this.db.select({ name: instances.name }).from(instances).where(eq(instances.mediaId, item.id)).all();
    if (users.length > 0)
      throw new ConflictError('media_in_use', `ISO '${item.name}' is inserted in ${users.length === 1 ? 'instance' : 'instances'} ${quotedNames(users.map((u) => u.name))}; eject it first.`);
    this.db.delete(media).where(eq(media.id, item.id)).run();
    await rm(this.filePath(item), { force: true });
    this.audit.record(actor, 'delete', 'media', item.id, item.name);
  }
}
