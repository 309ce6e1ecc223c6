/** Typed errors of the storage layer (drivers and the file library); services turn them into AppErrors users can act on. */

/** Base class of storage errors. */
export class StorageError extends Error {
  override name = 'StorageError';
}

/** A volume that should exist does not. */
export class VolumeNotFoundError extends StorageError {
  override name = 'VolumeNotFoundError';
  constructor(readonly volume: string) {
    super(`volume '${volume}' does not exist`);
  }
}

/** A volume that should be new already exists. */
export class VolumeExistsError extends StorageError {
  override name = 'VolumeExistsError';
  constructor(readonly volume: string) {
    super(`volume '${volume}' already exists`);
  }
}

/** The filesystem ran out of space (or would fall under its reserve). */
export class NoSpaceError extends StorageError {
  override name = 'NoSpaceError';
}

/** A received file grew past the allowed size. */
export class TooLargeError extends StorageError {
  override name = 'TooLargeError';
  constructor(readonly limitBytes: number) {
    super(`the file is larger than the limit of ${limitBytes} bytes`);
  }
}

/** A stream of bytes ended early or failed while being received. */
export class TransferInterruptedError extends StorageError {
  override name = 'TransferInterruptedError';
  constructor(readonly receivedBytes: number, cause: string) {
    super(`the transfer stopped after ${receivedBytes} bytes (${cause})`);
  }
}

/** A transferred file does not have the expected SHA-256. */
export class ChecksumMismatchError extends StorageError {
  override name = 'ChecksumMismatchError';
  constructor(readonly expected: string, readonly actual: string) {
    super(`SHA-256 mismatch: expected ${expected}, got ${actual}`);
  }
}

/** A file of the library (an image or ISO) is missing on disk. */
export class FileMissingError extends StorageError {
  override name = 'FileMissingError';
}

/** Why a download failed. `interrupted` is what is left after the retries; the others are final at once. */
export type FetchFailure = 'address_not_allowed' | 'bad_url' | 'http_status' | 'too_large' | 'interrupted' | 'too_many_redirects' | 'cancelled';

/** A download from a URL failed; `reason` says why, the message says it for users (no file paths). */
export class UrlFetchError extends StorageError {
  override name = 'UrlFetchError';
  constructor(readonly reason: FetchFailure, message: string, readonly receivedBytes = 0) {
    super(message);
  }
}
