/**
 * Disk images (templates): upload (streamed, checksummed, checked), list, get, download and
 * delete (refused while linked clones depend on the file). The files live in the library;
 * hosts get their copy as an artifact when an instance needs it.
 */
import { Readable } from 'node:stream';
import { and, eq, or } from 'drizzle-orm';
import type { ArtifactRef, ArtifactSource } from '../cluster/agent-types.js';
import type { Db } from '../db/client.js';
import { findByIdOrName, getByIdOrName } from '../db/lookup.js';
import { images, instances } from '../db/schema.js';
import { AppError } from '../lib/errors.js';
import { plural, quotedNames } from '../lib/english.js';
import { newId } from '../lib/ids.js';
import type { FileLibrary, ReceivedFile } from '../storage/library.js';
import type { VolumeInfo } from '../storage/inspector.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.js';
import { artifactSource, download, type Download } from './library-files.js';
import { storeUpload, type UploadLimits } from './uploads.js';

/** An image row. */
export type Image = typeof images.$inferSelect;

/** Metadata given with an upload. */
export interface ImageMeta {
  name: string;
  description: string;
  os: string;
  /** The guest user the image logs in with (set-guest-password's default). */
  defaultUser?: string;
}

const nameTaken = (name: string) => new AppError('image_name_taken', `An image named '${name}' already exists.`);

/** Disk image catalogue. */
export class ImagesService {
  constructor(
    private readonly db: Db,
    private readonly library: FileLibrary,
    private readonly limits: UploadLimits,
    private readonly audit: AuditService,
    /** Tells every host to drop its copy of a deleted file (best effort: a host that is offline drops it when it returns). */
    private readonly forgetOnHosts: (ref: ArtifactRef) => Promise<void>,
  ) {}

  list(): Image[] {
    return this.db.select().from(images).orderBy(images.name).all();
  }

  /** By id or name; throws image_not_found. */
  get(idOrName: string): Image {
    return getByIdOrName(this.db, images, 'image', idOrName);
  }

  /** By id or name; undefined when there is none. */
  find(idOrName: string): Image | undefined {
    return findByIdOrName(this.db, images, 'image', idOrName);
  }

  /** What a host needs to fetch and verify its copy of the image. */
  artifact(image: Image): { ref: ArtifactRef; source: ArtifactSource } {
    const ref: ArtifactRef = { shelf: 'images', fileName: image.fileName, sha256: image.sha256, sizeBytes: image.sizeBytes, format: image.format };
    return { ref, source: artifactSource(this.library, ref, image.name) };
  }

  /** The image file as a download. */
  async download(idOrName: string): Promise<Download> {
    const image = this.get(idOrName);
    return download(this.library, 'images', image.fileName, `${image.name}.${image.format}`, image.name);
  }

  /** Receives an uploaded qcow2 or raw image. Nothing is visible until it is complete and valid. */
  async upload(body: ReadableStream<Uint8Array> | null, declaredBytes: number | undefined, meta: ImageMeta, actor: Actor): Promise<Image> {
    this.assertNameFree(meta.name);
    const row = await this.store(body, declaredBytes, meta, newId('img'));
    this.audit.record(actor, 'upload', 'image', row.id, meta.name);
    return row;
  }

  /** Throws image_name_taken when an image has this name. */
  assertNameFree(name: string): void {
    if (this.db.select({ id: images.id }).from(images).where(eq(images.name, name)).get()) throw nameTaken(name);
  }

  /** Stores an image built on a host (read from `file`) under the id chosen when the build began; the row appears only once the file is complete and valid. */
  async storeBuilt(id: string, file: Readable, sizeBytes: number, meta: ImageMeta, actor: Actor): Promise<Image> {
    const row = await this.store(Readable.toWeb(file) as ReadableStream<Uint8Array>, sizeBytes, meta, id);
    this.audit.record(actor, 'build', 'image', row.id, meta.name);
    return row;
  }

  private async store(body: ReadableStream<Uint8Array> | null, declaredBytes: number | undefined, meta: ImageMeta, id: string): Promise<Image> {
    return storeUpload({
      library: this.library, limits: this.limits, body, declaredBytes, shelf: 'images', nameTaken: () => nameTaken(meta.name),
      accept: async (received) => {
        const info = await this.inspect(received);
        return { id, fileName: `${id}.${info.format}`, info };
      },
      insert: (received, { id, fileName, info }) =>
        this.db.insert(images).values({
          id, fileName, format: info.format as 'qcow2' | 'raw', sizeBytes: received.sizeBytes, virtualSizeBytes: info.virtualSizeBytes,
          sha256: received.sha256, ...meta,
        }).returning().get(),
    });
  }

  /** Checks an uploaded file is a self-contained qcow2 or raw disk; refuses anything that could reach host files. */
  private async inspect(received: ReceivedFile): Promise<VolumeInfo> {
    const info = await this.library.inspectImage(received).catch(() => {
      throw new AppError('image_corrupt', 'The file is not a readable disk image (qemu-img cannot open it).');
    });
    if (info.format !== 'qcow2' && info.format !== 'raw')
      throw new AppError('unsupported_image_format', `The file is a ${info.format} image; upload qcow2 or raw.`);
    if (info.format === 'raw' && received.sizeBytes % 512 !== 0)
      throw new AppError('unsupported_image_format', `The file is neither qcow2 nor a raw disk (${received.sizeBytes} bytes is not a multiple of 512).`);
    if (info.backingFile)
      throw new AppError('image_has_backing_file', 'The image refers to a backing file; upload a self-contained image (qemu-img convert -O qcow2).');
    if (info.dataFile !== undefined)
      throw new AppError('image_has_data_file', 'The image keeps its data in an external file; upload a self-contained image (qemu-img convert -O qcow2).');
    if (info.format === 'qcow2')
      await this.library.checkImage(received).catch(() => {
        throw new AppError('image_corrupt', 'The qcow2 image is corrupt (qemu-img check failed).');
      });
    return info;
  }

  /** Deletes an image unless instances are linked clones of it; hosts drop their copies. */
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
        throw new AppError('image_in_use', `Image '${image.name}' backs ${plural(users.length, 'instance')} (${quotedNames(users.map((u) => u.name))}); delete them first.`);
      tx.update(instances).set({ imageId: null }).where(eq(instances.imageId, image.id)).run();
      tx.delete(images).where(eq(images.id, image.id)).run();
    });
    await this.library.remove('images', image.fileName);
    this.audit.record(actor, 'delete', 'image', image.id, image.name);
    await this.forgetOnHosts(this.artifact(image).ref);
  }
}
