/** Library files as hosts and downloads see them: artifact sources and download streams. */
import type { Readable } from 'node:stream';
import type { ArtifactRef, ArtifactSource } from '../cluster/agent-types.js';
import { AppError } from '../lib/errors.js';
import { FileMissingError } from '../lib/storage-errors.js';
import type { FileLibrary, LibraryShelf } from '../storage/library.js';

/** A file to send to the browser: its size and checksum at once, its bytes (all or a range) on demand. */
export interface Download {
  sizeBytes: number;
  /** The name the browser should save it as. */
  fileName: string;
  /** The file's SHA-256 (its ETag). */
  sha256: string;
  /** Streams bytes `start`..`end` inclusive (the whole file without a range). */
  open(range?: { start: number; end: number }): Promise<Readable>;
}

/** 410: the row is there but its file is gone. */
function missing(name: string): AppError {
  return new AppError('file_missing', `The file of '${name}' is missing from the data directory; delete the entry and upload it again.`);
}

/** A library file as a download. */
export async function download(library: FileLibrary, shelf: LibraryShelf, fileName: string, saveAs: string, name: string, sha256: string): Promise<Download> {
  const gone = (err: unknown) => {
    throw err instanceof FileMissingError ? missing(name) : err;
  };
  const sizeBytes = await library.sizeOf(shelf, fileName).catch(gone);
  return {
    sizeBytes, sha256, fileName: saveAs.replace(/[^A-Za-z0-9._-]/g, '_'),
    open: (range) => library.openRange(shelf, fileName, range?.start ?? 0, range?.end ?? Math.max(0, sizeBytes - 1)).catch(gone),
  };
}

/** Where a host gets an artifact from: the library's stream (and its local path for a host on this machine). */
export function artifactSource(library: FileLibrary, ref: ArtifactRef, name: string): ArtifactSource {
  return {
    open: async () => {
      try {
        return (await library.open(ref.shelf, ref.fileName)).stream;
      } catch (err) {
        if (err instanceof FileMissingError) throw missing(name);
        throw err;
      }
    },
    localPath: library.localPath(ref.shelf, ref.fileName),
  };
}
