/**
 * The conversion of an uploaded vmdk, vhdx, vdi or ova to qcow2, as an operation: the image row
 * appears at once as `importing` (holding its name; not usable), `qemu-img convert -p` reports
 * progress, and the row becomes `ready` with the converted file's size and checksum. A failed
 * conversion removes the row and every file; a killed server leaves an `importing` row that the
 * next start drops (ImagesService.dropUnfinished) before the library sweep removes the files.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { images } from '../db/schema.js';
import type { FileLibrary, ReceivedFile } from '../storage/library.js';
import { ownedBy, type Actor } from './actor.js';
import type { AuditService } from './audit.js';
import { convertExamined, type ExaminedImage, type PreparedImage } from './image-import.js';
import type { ImageMeta } from './images.js';
import type { Operation, OperationsService } from './operations.js';

/** What a conversion needs. */
export interface ConversionRequest {
  db: Db;
  library: FileLibrary;
  operations: OperationsService;
  audit: AuditService;
  nameTaken(name: string): Error;
  /** The new image's id. */
  id: string;
  /** The upload, still in the temporary directory; gone once the operation ends. */
  received: ReceivedFile;
  examined: Extract<ExaminedImage, { kind: 'convert' }>;
  meta: ImageMeta;
  actor: Actor;
}

/** Records the image as `importing` and starts its conversion; returns the operation. */
export async function startConversion(req: ConversionRequest): Promise<{ operation: Operation; imageId: string }> {
  const { db, library, id, received, examined, meta, actor } = req;
  try {
    db.insert(images).values({
      id, fileName: `${id}.qcow2`, format: 'qcow2', sizeBytes: received.sizeBytes, virtualSizeBytes: examined.info.virtualSizeBytes,
      sha256: received.sha256, ...meta, os: meta.os || examined.ovf?.os || '', state: 'importing', ...ownedBy(actor),
    }).run();
  } catch (err) {
    await library.discard(received);
    throw isUniqueViolation(err) ? req.nameTaken(meta.name) : err;
  }
  const operation = req.operations.start('image.import', { type: 'image', id }, actor, async (ctx) => {
    ctx.progress(0, 'converting');
    await convertAndStore(req, (fraction) => ctx.progress(fraction, 'converting'), ctx.signal);
    req.audit.record(actor, 'upload', 'image', id, meta.name);
  }, { message: 'converting', cancellable: true });
  return { operation, imageId: id };
}

/** Converts, moves the qcow2 into place and marks the row ready; on any failure (a cancel too), removes the row and the files. */
async function convertAndStore(req: ConversionRequest, onProgress: (fraction: number) => void, signal: AbortSignal): Promise<void> {
  const { db, library, id, received, examined } = req;
  const fileName = `${id}.qcow2`;
  let prepared: PreparedImage | undefined;
  let stored = false;
  try {
    // The upload is removed as soon as qemu-img is done with it, beside the checks, not after them.
    prepared = await convertExamined(library, examined, onProgress, signal, () => library.discard(received));
    const file = prepared.file ?? received;
    await library.accept(file, 'images', fileName);
    stored = true;
    db.update(images).set({ sizeBytes: file.sizeBytes, sha256: file.sha256, virtualSizeBytes: prepared.info.virtualSizeBytes, state: 'ready' }).where(eq(images.id, id)).run();
  } catch (err) {
    db.delete(images).where(eq(images.id, id)).run();
    if (stored) await library.remove('images', fileName);
    throw err;
  } finally {
    await library.discard(received);
    if (prepared?.file) await library.discard(prepared.file);
  }
}
