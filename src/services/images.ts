/**
 * Disk images (templates): upload (streamed, checksummed, checked with qemu-img), list,
 * get and delete (refused while linked clones depend on the file).
 */
import { rm } from 'node:fs/promises';
import { and, eq, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { byIdOrName } from '../db/lookup.js';
import { images, instances } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { quotedNames } from '../lib/plural.js';
import type { StorageDriver, VolumeInfo } from '../storage/driver.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import type { DataPaths } from './paths.js';
import { storeUpload } from './uploads.js';

/** An image row. */
export type Image = typeof images.$inferSelect;

/** Metadata given with an upload. */
export interface ImageMeta {
  name: string;
  description: string;
  os: string;
}

/** Disk image catalogue. */
export class ImagesService {
  constructor(
    private readonly db: Db,
    private readonly storage: StorageDriver,
    private readonly paths: DataPaths,
    private readonly audit: AuditService,
  ) {}

  list(): Image[] {
    return this.db.select().from(images).orderBy(images.name).all();
  }

  /** By id or name; throws image_not_found. */
  get(idOrName: string): Image {
    const match = byIdOrName(images, idOrName);
    const row = this.db.select().from(images).where(match.where).orderBy(...match.order).get();
    if (!row) throw new NotFoundError('image', idOrName);
    return row;
  }

  /** Absolute path of the image file. */
  filePath(image: Image): string {
    return this.paths.image(image.fileName);
  }

  /** Receives an uploaded qcow2 or raw image. Nothing is visible until it is complete and valid. */
  async upload(body: ReadableStream<Uint8Array> | null, meta: ImageMeta, actor: Actor): Promise<Image> {
    this.assertNameFree(meta.name);
    const nameTaken = () => new ConflictError('image_name_taken', `An image named '${meta.name}' already exists.`);
    const row = await storeUpload({
      body,
      uploadsDir: this.paths.uploadsDir,
      nameTaken,
      accept: async (received) => {
        const info = await this.inspect(received.path, received.sizeBytes);
        const id = newId('img');
        const fileName = `${id}.${info.format}`;
        return { target: this.paths.image(fileName), id, fileName, info };
      },
      insert: (received, { id, fileName, info }) =>
        this.db.insert(images).values({
          id, fileName, format: info.format as 'qcow2' | 'raw', sizeBytes: received.sizeBytes, virtualSizeBytes: info.virtualSizeBytes,
          sha256: received.sha256, ...meta,
        }).returning().get(),
    });
    this.audit.record(actor, 'upload', 'image', row.id, meta.name);
    return row;
  }

  /** Checks an uploaded file is a self-contained qcow2 or raw disk; refuses anything that could reach host files. */
  private async inspect(path: string, sizeBytes: number): Promise<VolumeInfo> {
    const info = await this.storage.info(path).catch(() => {
      throw new ValidationError('The file is not a readable disk image (qemu-img cannot open it).', undefined, 'image_corrupt');
    });
    if (info.format !== 'qcow2' && info.format !== 'raw')
      throw new ValidationError(`The file is a ${info.format} image; upload qcow2 or raw.`, undefined, 'unsupported_image_format');
    if (info.format === 'raw' && sizeBytes % 512 !== 0)
      throw new ValidationError(`The file is neither qcow2 nor a raw disk (${sizeBytes} bytes is not a multiple of 512).`, undefined, 'unsupported_image_format');
    if (info.backingFile)
      throw new ValidationError('The image refers to a backing file; upload a self-contained image (qemu-img convert -O qcow2).', undefined, 'image_has_backing_file');
    if (info.dataFile)
      throw new ValidationError('The image keeps its data in an external file; upload a self-contained image (qemu-img convert -O qcow2).', undefined, 'image_has_data_file');
    if (info.format === 'qcow2')
      await this.storage.check(path).catch(() => {
        throw new ValidationError('The qcow2 image is corrupt (qemu-img check failed).', undefined, 'image_corrupt');
      });
    return info;
  }

  /** Deletes an image unless instances are linked clones of it. */
  async delete(idOrName: string, actor: Actor): Promise<void> {
    const image = this.get(idOrName);
    this.db.transaction((tx) => {
      const users = tx
        .select({ name: instances.name })
        .from(instances)
        // Linked clones need the file for ever; full copies only while they are being made.
        .where(and(eq(instances.imageId, image.id), or(eq(instances.cloneMode, 'linked'), eq(instances.state, 'creating'))))
        .all();
      if (users.length > 0)
        throw new ConflictError('image_in_use', `Image '${image.name}' backs ${users.length === 1 ? 'instance' : 'instances'} ${quotedNames(users.map((u) => u.name))}; delete ${users.length === 1 ? 'it' : 'them'} first.`);
      tx.update(instances).set({ imageId: null }).where(eq(instances.imageId, image.id)).run();
      tx.delete(images).where(eq(images.id, image.id)).run();
    });
    await rm(this.filePath(image), { force: true });
    this.audit.record(actor, 'delete', 'image', image.id, image.name);
  }

  private assertNameFree(name: string): void {
    if (this.db.select({ id: images.id }).from(images).where(eq(images.name, name)).get())
      throw new ConflictError('image_name_taken', `An image named '${name}' already exists.`);
  }

}
