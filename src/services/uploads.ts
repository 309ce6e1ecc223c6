/**
 * Receiving uploaded files: streamed to a temporary file in the data directory while the
 * SHA-256 is computed, never buffered whole in memory. The caller validates and renames it.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { InsufficientCapacityError, ValidationError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { join } from 'node:path';

/** A received file waiting in the uploads directory. */
export interface ReceivedFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}

/** Streams `body` into a new file under `dir`; on any failure the partial file is removed. */
export async function receiveFile(body: ReadableStream<Uint8Array> | null, dir: string): Promise<ReceivedFile> {
  if (!body) throw new ValidationError('The request has no body; send the file as the request body.', undefined, 'empty_upload');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${newId('upl')}.part`);
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), measure, createWriteStream(path, { flags: 'wx' }));
  } catch (err) {
    await rm(path, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC')
      throw new InsufficientCapacityError('no_space', `The data directory is full; the upload stopped after ${sizeBytes} bytes.`);
    throw new ValidationError(`The upload was interrupted after ${sizeBytes} bytes (${err instanceof Error ? err.message : String(err)}); nothing was stored.`, undefined, 'upload_interrupted');
  }
  if (sizeBytes === 0) {
    await rm(path, { force: true });
    throw new ValidationError('The uploaded file is empty.', undefined, 'empty_upload');
  }
  return { path, sizeBytes, sha256: hash.digest('hex') };
}

/** What `accept` decides about a received file: where it goes, plus anything `insert` needs. */
export interface Accepted {
  target: string;
}

/** How to store one upload; see {@link storeUpload}. */
export interface StoreUploadOptions<A extends Accepted, Row> {
  body: ReadableStream<Uint8Array> | null;
  uploadsDir: string;
  /** Validates the received file (throwing a 4xx AppError to refuse it) and names its final path. */
  accept(received: ReceivedFile): Promise<A>;
  /** Records it in the database; runs after the file is in place. */
  insert(received: ReceivedFile, accepted: A): Row;
  /** The error for a name that was taken while the upload was in flight. */
  nameTaken(): Error;
}

/**
 * Receives, validates, moves into place and records an upload. On any failure nothing stays
 * behind: no partial file, no file without a row, no row without a file.
 */
export async function storeUpload<A extends Accepted, Row>(opts: StoreUploadOptions<A, Row>): Promise<Row> {
  const received = await receiveFile(opts.body, opts.uploadsDir);
  let accepted: A | undefined;
  try {
    accepted = await opts.accept(received);
    await rename(received.path, accepted.target);
    return opts.insert(received, accepted);
  } catch (err) {
    if (accepted) await rm(accepted.target, { force: true });
    if (String(err).includes('UNIQUE constraint failed')) throw opts.nameTaken();
    throw err;
  } finally {
    await rm(received.path, { force: true });
  }
}
