/**
 * Storing an upload: received into the library (streamed, SHA-256, size limit and free-space
 * reserve), validated, moved into place and recorded. On any failure nothing stays behind:
 * no partial file, no file without a row, no row without a file.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isUniqueViolation } from '../db/errors.js';
import { gib } from '../lib/english.js';
import { AppError } from '../lib/errors.js';
import type { FileLibrary, LibraryShelf, ReceivedFile } from '../storage/library.js';
import { NoSpaceError, TooLargeError, TransferInterruptedError } from '../lib/storage-errors.js';

/** An upload's bytes: a Node stream (the server's request, a host's file) or a web stream; null when the request had no body. */
export type UploadBody = Readable | ReadableStream<Uint8Array> | null;

/** Limits every upload obeys. */
export interface UploadLimits {
  /** Largest accepted file. */
  maxBytes: number;
  /** Free space the data directory keeps after any upload. */
  reserveBytes: number;
}

/** Sensible defaults: 64 GiB files, and 5 % of the disk plus 2 GiB left free. */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { maxBytes: 64 * 1024 ** 3, reserveBytes: 2 * 1024 ** 3 };

/** How to store one upload; see {@link storeUpload}. */
export interface StoreUploadOptions<A, Row> {
  library: FileLibrary;
  limits: UploadLimits;
  body: UploadBody;
  /** The request's Content-Length, when it gave one (refused at once when over the limits). */
  declaredBytes?: number;
  shelf: LibraryShelf;
  /** Validates the received file (throwing a 4xx AppError to refuse it) and names it on the shelf; `file` replaces it (a converted copy). */
  accept(received: ReceivedFile): Promise<A & { fileName: string; file?: ReceivedFile }>;
  /** Records it in the database; runs after the file is in place. */
  insert(received: ReceivedFile, accepted: A & { fileName: string }): Row;
  /** The error for a name that was taken while the upload was in flight. */
  nameTaken(): Error;
}

/** Receives, validates, moves into place and records an upload. */
export async function storeUpload<A, Row>(opts: StoreUploadOptions<A, Row>): Promise<Row> {
  return storeReceived(opts, await receiveUpload(opts));
}

/** Receives an upload into the library's temporary directory (refused early when it cannot fit); the caller stores or discards it. */
export async function receiveUpload(opts: Pick<StoreUploadOptions<unknown, unknown>, 'library' | 'limits' | 'body' | 'declaredBytes'>): Promise<ReceivedFile> {
  if (!opts.body) throw new AppError('empty_upload', 'The request has no body; send the file as the request body.');
  await refuseEarly(opts);
  const received = await receive(opts);
  if (received.sizeBytes > 0) return received;
  await opts.library.discard(received);
  throw emptyFile();
}

const emptyFile = () => new AppError('empty_upload', 'The uploaded file is empty.');

/** Validates, moves into place and records a file already received (an upload or a download); the received file is gone afterwards. */
export async function storeReceived<A, Row>(opts: Omit<StoreUploadOptions<A, Row>, 'body' | 'declaredBytes' | 'limits'>, received: ReceivedFile): Promise<Row> {
  let accepted: (A & { fileName: string; file?: ReceivedFile }) | undefined;
  let stored = false;
  try {
    if (received.sizeBytes === 0) throw emptyFile();
    accepted = await opts.accept(received);
    const file = accepted.file ?? received;
    await opts.library.accept(file, opts.shelf, accepted.fileName);
    stored = true;
    return opts.insert(file, accepted);
  } catch (err) {
    if (accepted && stored) await opts.library.remove(opts.shelf, accepted.fileName);
    if (isUniqueViolation(err)) throw opts.nameTaken();
    throw err;
  } finally {
    await opts.library.discard(received);
    if (accepted?.file) await opts.library.discard(accepted.file);
  }
}

/** A declared size over the limit or over the free space is refused before a byte is stored. */
async function refuseEarly(opts: Pick<StoreUploadOptions<unknown, unknown>, 'library' | 'limits' | 'declaredBytes'>): Promise<void> {
  const declared = opts.declaredBytes;
  if (declared === undefined) return;
  if (declared > opts.limits.maxBytes) throw tooLarge(opts.limits.maxBytes);
  const { freeBytes } = await opts.library.capacity();
  if (freeBytes - declared < opts.limits.reserveBytes) throw noSpace(declared, freeBytes, opts.limits.reserveBytes);
}

async function receive(opts: Pick<StoreUploadOptions<unknown, unknown>, 'library' | 'limits' | 'body'>): Promise<ReceivedFile> {
  try {
    return await opts.library.receive(opts.body instanceof Readable ? opts.body : Readable.fromWeb(opts.body as WebReadableStream<Uint8Array>), opts.limits);
  } catch (err) {
    if (err instanceof TooLargeError) throw tooLarge(opts.limits.maxBytes);
    if (err instanceof NoSpaceError)
      throw new AppError('insufficient_storage', `The upload was stopped: the data directory would fall under its reserve of ${gib(opts.limits.reserveBytes)} free; nothing was stored.`);
    if (err instanceof TransferInterruptedError)
      throw new AppError('upload_interrupted', `The upload was interrupted after ${err.receivedBytes} bytes; nothing was stored. Try again.`);
    throw err;
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('upload_too_large', `The file is larger than the upload limit of ${gib(maxBytes)} (serve --max-upload-size).`);
}

function noSpace(declared: number, free: number, reserve: number): AppError {
  return new AppError('insufficient_storage', `The file (${gib(declared)}) does not fit: ${gib(free)} are free and ${gib(reserve)} must stay free.`);
}
