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
import { isUniqueViolation } from '../db/errors.js';
import { images, instances } from '../db/schema.js';
import { AppError } from '../lib/errors.js';
import { plural, quotedNames } from '../lib/english.js';
import { newId } from '../lib/ids.js';
import type { FileLibrary, ReceivedFile } from '../storage/library.js';
import { ownedBy, type Actor } from './actor.js';
import type { AuditService } from './audit.js';
import { artifactSource, download, type Download } from './library-files.js';
import { receiveUpload, storeReceived, storeUpload, type UploadBody, type UploadLimits } from './uploads.js';
import { examineImage, importCancelled, prepareImage, type PreparedImage } from './image-import.js';
import { startConversion } from './image-conversion.js';
import type { Operation, OperationContext, OperationsService } from './operations.js';
import { UrlFetchError } from '../lib/storage-errors.js';

/** An image row. */
export type Image = typeof images.$inferSelect;

/** Metadata given with an upload. */
export interface ImageMeta {
  name: string;
  description: string;
  os: string;
  /** The guest user the image logs in with (set-guest-password's default). */
  defaultUser?: string;
  /** Short labels (checked at the edge: imageTagsSchema). */
  tags?: string[];
}

/** An import from a URL. */
export interface ImageUrlImport extends ImageMeta {
  url: string;
  /** The expected SHA-256 of the downloaded file (hex); a mismatch fails the import. */
  sha256?: string;
}

/** How URL imports behave. */
export interface ImageImportOptions {
  /** Allow loopback, link-local and private-network URLs (serve --image-import-allow-private). */
  allowPrivate: boolean;
  /** Resumptions of a dropped download. */
  retries?: number;
  retryDelayMs?: number;
}

/** A changed image's fields. */
export interface ImagePatch {
  name?: string;
  description?: string;
  os?: string;
  /** Replaces the whole list. */
  tags?: string[];
}

/** Disk image catalogue. */
export class ImagesService {
  constructor(
    private readonly db: Db,
    private readonly library: FileLibrary,
    private readonly limits: UploadLimits,
    private readonly audit: AuditService,
    /** Tells every host to drop its copy of a deleted file (best effort: a host that is offline drops it when it returns). */
    private readonly forgetOnHosts: (ref: ArtifactRef) => Promise<void>,
    private readonly operations: OperationsService,
    private readonly importOptions: ImageImportOptions = { allowPrivate: false },
  ) {}

  /** Every image by name; with `tag`, only those carrying it. */
  list(filter: { tag?: string } = {}): Image[] {
    const rows = this.db.select().from(images).orderBy(images.name).all();
    const { tag } = filter;
    return tag === undefined ? rows : rows.filter((r) => r.tags.includes(tag));
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
    const image = this.assertReady(this.get(idOrName));
    return download(this.library, 'images', image.fileName, `${image.name}.${image.format}`, image.name, image.sha256);
  }

  /**
   * Receives an uploaded image (qcow2, raw, vmdk, vhdx, vdi or ova). A qcow2 or raw one is stored
   * at once (`image`); the others are checked, then converted to qcow2 in an operation
   * (`operation`), the image listed as `importing` meanwhile. Nothing half-made stays behind.
   */
  async upload(body: UploadBody, declaredBytes: number | undefined, meta: ImageMeta, actor: Actor): Promise<{ image: Image } | { operation: Operation; imageId: string }> {
    this.assertNameFree(meta.name);
    const id = newId('img');
    const received = await receiveUpload({ library: this.library, limits: this.limits, body, declaredBytes });
    const examined = await examineImage(this.library, received).catch(async (err: unknown) => {
      await this.library.discard(received);
      throw err;
    });
    if (examined.kind === 'convert') return startConversion({ ...this.conversionDeps(), id, received, examined, meta, actor });
    const row = await storeReceived(this.storing(id, meta, actor, async () => examined.prepared), received);
    this.audit.record(actor, 'upload', 'image', row.id, meta.name);
    return { image: row };
  }

  private conversionDeps() {
    return { db: this.db, library: this.library, operations: this.operations, audit: this.audit, nameTaken: (name: string) => this.nameTaken(name) };
  }

  /** Throws image_not_ready while the image is still being converted: it cannot back a disk or be downloaded yet. */
  assertReady(image: Image): Image {
    if (image.state !== 'ready')
      throw new AppError('image_not_ready', `Image '${image.name}' is still being imported (converted to qcow2); wait for its operation to finish.`);
    return image;
  }

  /** At start: forgets images whose conversion a previous process did not finish (the sweep then removes their files); returns how many. */
  dropUnfinished(): number {
    return this.db.delete(images).where(eq(images.state, 'importing')).run().changes;
  }

  /** Stores an image built on a host (read from `file`) under the id chosen when the build began; the row appears only once the file is complete and valid. */
  async storeBuilt(id: string, file: Readable, sizeBytes: number, meta: ImageMeta, actor: Actor): Promise<Image> {
    const row = await storeUpload({ limits: this.limits, body: file, declaredBytes: sizeBytes, ...this.storing(id, meta, actor, (received) => prepareImage(this.library, received)) });
    this.audit.record(actor, 'build', 'image', row.id, meta.name);
    return row;
  }

  /**
   * Imports an image from an http(s) URL in an operation: downloaded (resumed when the
   * connection drops), checked against the given SHA-256, converted like an upload. A
   * failure leaves nothing behind; so does a cancel (the download or the conversion stops).
   */
  importFromUrl(req: ImageUrlImport, actor: Actor): { operation: Operation; imageId: string } {
    const { url: text, sha256, ...meta } = req;
    this.assertNameFree(meta.name);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new AppError('validation_failed', `'${text}' is not a URL.`);
    }
    try {
      this.library.checkImportUrl(url, this.importOptions.allowPrivate);
    } catch (err) {
      if (err instanceof UrlFetchError) throw new AppError('url_not_allowed', err.message);
      throw err;
    }
    const id = newId('img');
    const operation = this.operations.start('image.import', { type: 'image', id }, actor, async (ctx) => {
      const received = await this.fetchUrl(url, ctx);
      try {
        if (ctx.signal.aborted) throw importCancelled();
        if (sha256 && received.sha256 !== sha256.toLowerCase())
          throw new AppError('checksum_mismatch', `The downloaded file's SHA-256 is ${received.sha256}, not the expected ${sha256.toLowerCase()}; nothing was stored.`);
        ctx.progress(0.8, 'converting');
        await storeReceived(this.storing(id, meta, actor, (file) => prepareImage(this.library, file, (f) => ctx.progress(0.8 + 0.2 * f, 'converting'), ctx.signal)), received);
      } finally {
        await this.library.discard(received);
      }
      this.audit.record(actor, 'import', 'image', id, meta.name);
    }, { cancellable: true });
    return { operation, imageId: id };
  }

  /** Changes an image's name, description, OS or tags. */
  update(idOrName: string, patch: ImagePatch, actor: Actor): Image {
    const image = this.get(idOrName);
    if (patch.name !== undefined && patch.name !== image.name) this.assertNameFree(patch.name);
    try {
      const row = this.db.update(images).set(patch).where(eq(images.id, image.id)).returning().get();
      this.audit.record(actor, 'update', 'image', image.id, row.name);
      return row;
    } catch (err) {
      if (isUniqueViolation(err)) throw this.nameTaken(patch.name ?? image.name);
      throw err;
    }
  }

  private async fetchUrl(url: URL, ctx: OperationContext): Promise<ReceivedFile> {
    try {
      return await this.library.receiveUrl(url, {
        maxBytes: this.limits.maxBytes, allowPrivate: this.importOptions.allowPrivate, retries: this.importOptions.retries, retryDelayMs: this.importOptions.retryDelayMs, signal: ctx.signal,
        onProgress: (bytes, total) => ctx.progress(total ? (0.8 * bytes) / total : 0, total ? `${bytes} of ${total} bytes` : `${bytes} bytes`),
      });
    } catch (err) {
      if (!(err instanceof UrlFetchError)) throw err;
      if (err.reason === 'cancelled') throw importCancelled();
      if (err.reason === 'address_not_allowed' || err.reason === 'bad_url') throw new AppError('url_not_allowed', err.message);
      if (err.reason === 'too_large') throw new AppError('upload_too_large', `${err.message} (serve --max-upload-size).`);
      throw new AppError('download_failed', `${err.message} Nothing was stored.`);
    }
  }

  private nameTaken(name: string): AppError {
    return new AppError('image_name_taken', `An image named '${name}' already exists.`);
  }

  /** Throws image_name_taken when an image has this name. */
  assertNameFree(name: string): void {
    if (this.db.select({ id: images.id }).from(images).where(eq(images.name, name)).get()) throw this.nameTaken(name);
  }

  /** How a received file becomes the image `id`; `prepare` validates (and converts) it. */
  private storing(id: string, meta: ImageMeta, actor: Actor, prepare: (received: ReceivedFile) => Promise<PreparedImage>) {
    return {
      library: this.library, shelf: 'images' as const, nameTaken: () => this.nameTaken(meta.name),
      accept: async (received: ReceivedFile) => {
        const prepared = await prepare(received);
        return { ...prepared, fileName: `${id}.${prepared.format}` };
      },
      insert: (file: ReceivedFile, prepared: PreparedImage & { fileName: string }) =>
        this.db.insert(images).values({
          id, fileName: prepared.fileName, format: prepared.format, sizeBytes: file.sizeBytes, virtualSizeBytes: prepared.info.virtualSizeBytes,
          sha256: file.sha256, ...meta, os: meta.os || prepared.ovf?.os || '', ...ownedBy(actor),
        }).returning().get(),
    };
  }

  /** Deletes an image unless instances are linked clones of it; hosts drop their copies. */
  async delete(idOrName: string, actor: Actor): Promise<void> {
    const image = this.assertReady(this.get(idOrName));
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
