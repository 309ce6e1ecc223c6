/** Library files as hosts and downloads see them: artifact sources and download streams. */
import type { Readable } from 'node:stream';
import type { ArtifactRef, ArtifactSource } from '../cluster/agent-types.js';
import { AppError } from '../lib/errors.js';
import { FileMissingError } from '../lib/storage-errors.js';
import type { FileLibrary, LibraryShelf } from '../storage/library.js';

/** A file to send to the browser. */
export interface Download {
  stream: Readable;
  sizeBytes: number;
  /** The name the browser should save it as. */
  fileName: string;
}

/** 410: the row is there but its file is gone. */
function missing(name: string): AppError {
  return new AppError('file_missing', `The file of '${name}' is missing from the data directory; delete the entry and upload it again.`);
}

/** Opens a library file as a download. */
export async function download(library: FileLibrary, shelf: LibraryShelf, fileName: string, saveAs: string, name: string): Promise<Download> {
  try {
    const file = await library.open(shelf, fileName);
    return { stream: file.stream, sizeBytes: file.sizeBytes, fileName: saveAs.replace(/[^A-Za-z0-9._-]/g, '_') };
  } catch (err) {
    if (err instanceof FileMissingError) throw missing(name);
    throw err;
  }
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
