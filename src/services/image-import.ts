/**
 * What an imported file becomes in the library: its format read from its own bytes (qcow2,
 * raw, vmdk, vhdx, vdi, or an OVA whose first disk is read inside the tar, in place), every
 * reference to other files refused (backing files, external data files, multi-file vmdks),
 * and anything but a plain qcow2 or raw converted to a self-contained qcow2 with
 * `qemu-img convert` (a child process; progress reported).
 *
 * OVA: the tar is already a file in the library's temporary directory (an upload or a
 * download), so qemu-img opens the disk entry where it lies through a raw offset/size layer;
 * nothing is unpacked and no byte is copied before the conversion itself.
 */
import { AppError } from '../lib/errors.js';
import type { DiskSource, OvfSummary } from '../storage/import-format.js';
import type { VolumeInfo } from '../storage/inspector.js';
import type { FileLibrary, ReceivedFile, UnhashedFile } from '../storage/library.js';

/** A file ready to be stored as an image. */
export interface PreparedImage {
  /** The file to store: the received one, or the converted qcow2 (which the caller discards if it is not stored). */
  file?: ReceivedFile;
  info: VolumeInfo;
  format: 'qcow2' | 'raw';
  /** Where it came from, for the answer (vmdk, ova, …). */
  sourceFormat: string;
  ovf?: OvfSummary;
}

const refuse = (sentence: string) => new AppError('unsupported_image_format', sentence);

/** The error an import ends with when its operation is cancelled (POST /operations/:id/actions/cancel). */
export const importCancelled = () => new AppError('image_import_cancelled', 'The image import was cancelled; no image was stored.');

/** Refuses an image that refers to anything outside itself. */
function refuseReferences(info: VolumeInfo): void {
  if (info.backingFile)
    throw new AppError('image_has_backing_file', 'The image refers to a backing file; upload a self-contained image (qemu-img convert -O qcow2).');
  if (info.dataFile !== undefined)
    throw new AppError('image_has_data_file', 'The image keeps its data in an external file; upload a self-contained image (qemu-img convert -O qcow2).');
  if (info.vmdk && (info.vmdk.extents !== 1 || !['monolithicSparse', 'streamOptimized'].includes(info.vmdk.createType)))
    throw new AppError('image_has_data_file', `The vmdk is of type '${info.vmdk.createType || 'unknown'}' with ${info.vmdk.extents} extents; only single-file vmdks (monolithicSparse, streamOptimized) are imported.`);
}

/** Checks a library qcow2 or raw file as uploads always were. */
async function checkStored(library: FileLibrary, file: UnhashedFile, info: VolumeInfo): Promise<void> {
  if (info.format === 'raw' && file.sizeBytes % 512 !== 0)
    throw refuse(`The file is neither a known disk format nor a raw disk (${file.sizeBytes} bytes is not a multiple of 512).`);
  if (info.format === 'qcow2') await checkQcow2(library, file);
}

async function checkQcow2(library: FileLibrary, file: UnhashedFile): Promise<void> {
  await library.checkImage(file).catch(() => {
    throw new AppError('image_corrupt', 'The qcow2 image is corrupt (qemu-img check failed).');
  });
}

/** A received file looked at: ready to store as it is, or a disk (inside it, for an OVA) to convert to qcow2. */
export type ExaminedImage =
  | { kind: 'plain'; prepared: PreparedImage }
  | { kind: 'convert'; source: DiskSource; info: VolumeInfo; sourceFormat: string; ovf?: OvfSummary };

/**
 * Validates a received file without converting it (format, references, qcow2 check): quick, so an
 * upload can be refused in its own request. Throws a 400 AppError for anything unacceptable.
 */
export async function examineImage(library: FileLibrary, received: ReceivedFile): Promise<ExaminedImage> {
  const located = await library.locateDisk(received);
  if (located.kind === 'refused') throw refuse(`${located.sentence}; upload a qcow2, raw, vmdk, vhdx, vdi or ova disk image.`);
  const { source, ovf, container } = located;
  const corrupt = () => new AppError('image_corrupt', `The file is not a readable ${container ?? source.format} disk image (qemu-img cannot open it).`);
  const plain = !source.range && (source.format === 'qcow2' || source.format === 'raw');
  const info = await (plain ? library.inspectImage(received) : library.inspectSource(source)).catch(() => {
    throw corrupt();
  });
  refuseReferences(info);
  if (!plain) return { kind: 'convert', source, info, sourceFormat: container ?? source.format, ...(ovf ? { ovf } : {}) };
  await checkStored(library, received, info);
  return { kind: 'plain', prepared: { info, format: info.format as 'qcow2' | 'raw', sourceFormat: info.format } };
}

/**
 * Converts an examined disk to a self-contained qcow2 (progress 0..1); on a throw nothing it made
 * is left behind. The result is inspected and checked (qemu-img info and check, side by side)
 * while its SHA-256 is computed; `alsoThen` (removing the source, no longer read) runs beside them.
 * Aborting `signal` kills the conversion: image_import_cancelled.
 */
export async function convertExamined(
  library: FileLibrary,
  examined: Extract<ExaminedImage, { kind: 'convert' }>,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
  alsoThen?: () => Promise<void>,
): Promise<PreparedImage> {
  const { source, sourceFormat, ovf } = examined;
  const verify = async (file: UnhashedFile) => (await Promise.all([library.inspectImage(file), checkQcow2(library, file), alsoThen?.()]))[0];
  const { file, verified: info } = await library.convertReceived(source, onProgress, verify, signal).catch((err: unknown) => {
    if (signal?.aborted) throw importCancelled();
    if (err instanceof AppError) throw err;
    throw new AppError('image_corrupt', `The ${sourceFormat} image could not be converted (qemu-img convert failed); it is damaged or uses features qemu-img cannot read.`);
  });
  // A cancel during the checks after the conversion still wins: the result is not stored.
  if (signal?.aborted) {
    await library.discard(file);
    throw importCancelled();
  }
  return { file, info, format: 'qcow2', sourceFormat, ...(ovf ? { ovf } : {}) };
}

/**
 * Validates a received file and, unless it is a plain qcow2 or raw, converts it to qcow2.
 * Throws a 400 AppError for anything that is not an acceptable disk; on a throw nothing it
 * made is left behind.
 */
export async function prepareImage(library: FileLibrary, received: ReceivedFile, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<PreparedImage> {
  const examined = await examineImage(library, received);
  if (examined.kind === 'convert') return convertExamined(library, examined, onProgress, signal);
  // The checks of a plain image are not interrupted, but a cancel during them still wins: nothing is stored.
  if (signal?.aborted) throw importCancelled();
  return examined.prepared;
}
